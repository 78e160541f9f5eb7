import { Client } from 'pg';
import { LocalServiceError } from './local-service-error';
import type { Progress } from './progress';
import { redactUrl } from './redact-url';

const DUPLICATE_DATABASE = '42P04';

/** Creates database `name` on the server at `adminUrl` unless it exists; a concurrent creator (two runs at once) is fine. */
export async function ensureDatabase(adminUrl: string, name: string, progress: Progress): Promise<void> {
  // The name goes into a CREATE DATABASE statement (identifiers cannot be bound parameters): only plain names.
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new LocalServiceError(`invalid database name: '${name}'`);
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  const failed = (error: unknown) => new LocalServiceError(`could not create database ${name} at ${redactUrl(adminUrl)}: ${(error as Error).message}`);
  await client.connect().catch((error) => {
    throw failed(error);
  });
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    progress(`creating database ${name}`);
    await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
      if (error.code !== DUPLICATE_DATABASE) throw error;
    });
  } catch (error) {
    throw failed(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same URL naming another database; credentials, port and query string untouched. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
