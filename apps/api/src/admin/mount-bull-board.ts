import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
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
    queues: [ctx.deliveryQueue, ctx.sweepQueue, ctx.webhookQueue].map((queue) => new BullMQAdapter(queue, { readOnlyMode })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'postdate queues' } },
  });
  app.use(BULL_BOARD_PATH, requireBasicAuth({ user, password }, 'postdate admin'), serverAdapter.getRouter());
  return true;
}
