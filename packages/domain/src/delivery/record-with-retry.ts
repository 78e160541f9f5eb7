/**
 * Recording a send's result must survive a dropped database connection (Postgres restarting, a pooler
 * failing over): giving up would leave the email `sending` until its lease expires and then re-send it.
 * Each recording step is fenced and idempotent, so running it again is safe. Bounded, well inside a lease.
 */
export async function recordWithRetry<T>(record: () => Promise<T>, attempts = 5, baseDelayMs = 200): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await record();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}
