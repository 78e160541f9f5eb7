import { Client } from 'pg';

/** Whether a Postgres at `url` accepts a connection (with the URL's credentials and database) within the timeout. */
export async function isPostgresReachable(url: string, timeoutMs = 3000): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch {
    // A failed connect has closed its socket already; end() on it could wait for an 'end' that never comes.
    return false;
  }
  await client.end().catch(() => undefined);
  return true;
}
