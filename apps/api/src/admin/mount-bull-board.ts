import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import type { Express } from 'express';
import type { ApiContext } from '../api-context';
import { requireBasicAuth } from './basic-auth';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board has no authentication of its own and can retry, promote or delete jobs, so it is only
 * mounted behind basic auth; without both ADMIN_USER and ADMIN_PASSWORD it is not mounted at all
 * (the path answers 404) rather than served open.
 */
export function mountBullBoard(app: Express, ctx: ApiContext): boolean {
  const { ADMIN_USER: user, ADMIN_PASSWORD: password, ADMIN_READ_ONLY: readOnlyMode } = ctx.config;
  if (user === undefined || password === undefined) return false;

  const serverAdapter = new ExpressAdapter().setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(ctx.deliveryQueue, { readOnlyMode }), new BullMQAdapter(ctx.sweepQueue, { readOnlyMode })],
    // @bull-board/express 9.10.1 brings its own @bull-board/api 9.10.1 next to our 9.10.2: the same shape,
    // but TypeScript sees two BaseAdapter classes. At run time the adapter imports nothing from the API
    // package, so the cast is safe; it goes once both packages are on one version.
    serverAdapter: serverAdapter as unknown as IServerAdapter,
    options: { uiConfig: { boardTitle: 'postdate queues' } },
  });
  app.use(BULL_BOARD_PATH, requireBasicAuth({ user, password }, 'postdate admin'), serverAdapter.getRouter());
  return true;
}
