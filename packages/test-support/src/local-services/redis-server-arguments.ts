/**
 * What every redis-server we start runs with. No persistence: a dev/test queue that .local/ or a test's
 * end may wipe at any time. noeviction: under any other policy BullMQ silently loses jobs.
 */
export function redisServerArguments(port: number): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];
}
