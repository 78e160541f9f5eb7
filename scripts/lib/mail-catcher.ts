import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalServiceError, redactUrl } from '@postdate/test-support/local-services';
import type { ChildGroup } from './child-group';
import { log } from './log';
import { isPortOpen } from './port-open';
import { repoRoot } from './repo-root';

export interface MailCatcher {
  smtpUrl: string;
  /** Where captured mail can be read, or a note saying why there is no such page. */
  webUi: string;
}

/**
 * Where the worker sends mail: SMTP_URL when exported; else whatever already listens on the maildev SMTP port
 * (most likely a maildev from another terminal: a second could not bind anyway); else a maildev started here,
 * bound to 127.0.0.1 for SMTP and web alike (maildev listens on every interface by default, which would show
 * captured mail to the network), its chatter in .local/maildev.log so the terminal shows the API and worker.
 */
export async function startMailCatcher(children: ChildGroup, localDir: string, env: NodeJS.ProcessEnv): Promise<MailCatcher> {
  if (env.SMTP_URL) {
    log('using SMTP_URL from the environment; not starting maildev');
    return { smtpUrl: env.SMTP_URL, webUi: `n/a (SMTP_URL=${redactUrl(env.SMTP_URL)})` };
  }
  const smtpPort = Number(env.MAILDEV_SMTP_PORT || 1025);
  const webPort = Number(env.MAILDEV_WEB_PORT || 1080);
  const smtpUrl = `smtp://127.0.0.1:${smtpPort}`;
  if (await isPortOpen('127.0.0.1', smtpPort)) {
    log(`something already listens on 127.0.0.1:${smtpPort}; using it as the mail catcher`);
    return { smtpUrl, webUi: `http://127.0.0.1:${webPort} (if that is maildev)` };
  }

  log(`starting maildev (SMTP 127.0.0.1:${smtpPort}, web http://127.0.0.1:${webPort})`);
  const logFile = path.join(localDir, 'maildev.log');
  const maildev = children.start(
    'maildev',
    path.join(repoRoot, 'node_modules', '.bin', 'maildev'),
    ['--smtp', String(smtpPort), '--ip', '127.0.0.1', '--web', String(webPort), '--web-ip', '127.0.0.1'],
    { env, output: openSync(logFile, 'a') },
  );
  for (let waited = 0; waited < 10_000 && maildev.exitCode === null; waited += 200) {
    if (await isPortOpen('127.0.0.1', smtpPort)) return { smtpUrl, webUi: `http://127.0.0.1:${webPort}` };
    await sleep(200);
  }
  const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
  throw new LocalServiceError(`maildev did not start (see .local/maildev.log):\n${tail}`);
}
