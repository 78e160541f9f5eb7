import { spawnSync } from 'node:child_process';
import { redactUrl } from '@postdate/test-support/local-services';
import type { AdminCredentials } from './admin-credentials';

export interface StackBanner {
  apiUrl: string;
  mailUi: string;
  databaseUrl: string;
  /** One Redis server's URL, or a Redis Cluster's REDIS_CLUSTER_NODES. */
  redis: { url: string } | { clusterNodes: string };
  demoKey: string;
  admin: AdminCredentials;
  mailDomain: string;
}

/** What `npm run stack` prints once the API answers: where everything is, and a curl to paste. */
export function stackBanner(banner: StackBanner): string {
  const { admin } = banner;
  const password = admin.passwordFromEnvironment ? '(your ADMIN_PASSWORD)' : admin.password;
  const mode = admin.readOnly ? 'read-only; --admin-writable to allow changes' : 'writable';
  return `
  postdate is running
  ────────────────────────────────────────────────────────────────
  API           ${banner.apiUrl}
  Dashboard     ${banner.apiUrl}/admin/queues (${mode})
                user ${admin.user}, password ${password}
  Mail UI       ${banner.mailUi}
  Database      ${redactUrl(banner.databaseUrl)}
  ${'url' in banner.redis ? `Redis         ${redactUrl(banner.redis.url)}` : `Redis Cluster ${banner.redis.clusterNodes.split(',').map(redactUrl).join(',')}`}
  Demo API key  ${banner.demoKey}

  Schedule an email for 10 seconds from now:

  curl -s -X POST ${banner.apiUrl}/v1/emails \\
    -H "Authorization: Bearer ${banner.demoKey}" \\
    -H 'Content-Type: application/json' \\
    -d '{"from":"demo@${banner.mailDomain}","to":["you@example.com"],"subject":"Hello","text":"Hi","sendAt":"'"${sendAtExpression()}"'"}'

  Ctrl-C stops what started here; Postgres and Redis keep running (npm run services -- stop).
`;
}

/** The shell computes sendAt when the curl is pasted, not when the banner was printed; GNU and BSD date spell it differently. */
function sendAtExpression(): string {
  const gnu = spawnSync('date', ['-d', '+10 seconds', '-Iseconds'], { stdio: 'ignore' }).status === 0;
  return gnu ? "$(date -d '+10 seconds' -Iseconds)" : '$(date -v+10S +%Y-%m-%dT%H:%M:%S%z)';
}
