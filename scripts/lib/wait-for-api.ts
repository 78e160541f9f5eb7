import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves true once the API answers /healthz, false if it has not within `timeoutMs` (or `until` says to stop asking). */
export async function waitForApi(apiUrl: string, until: { stopped: boolean }, timeoutMs = 60_000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && !until.stopped; await sleep(250)) {
    const answered = await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(1000) }).then((response) => response.ok, () => false);
    if (answered) return true;
  }
  return false;
}
