// `npm run audit:runtime` (the turbo root task //#audit:runtime, a step of `npm test`): known high or critical
// advisories against the runtime dependencies fail the run. Where the registry's advisory endpoint cannot be
// reached (some mirrors and proxies refuse it), that is said plainly instead of being counted as clean.
import { spawnSync } from 'node:child_process';
import { log } from './lib/log';
import { repoRoot } from './lib/repo-root';

const UNREACHABLE = /audit endpoint returned an error|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN/;

const audit = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high'], { cwd: repoRoot, encoding: 'utf8' });
const output = `${audit.stdout ?? ''}${audit.stderr ?? ''}`.trimEnd();
if (audit.status === 0) {
  process.stderr.write(`${output.split('\n').slice(-3).join('\n')}\n`);
} else if (UNREACHABLE.test(output)) {
  log("audit skipped: the registry's advisory endpoint is unreachable from this machine");
} else {
  process.stderr.write(`${output}\n`);
  process.exit(1);
}
