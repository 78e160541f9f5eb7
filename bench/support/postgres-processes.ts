import { readdirSync, readFileSync } from 'node:fs';

// Which Postgres processes work for a benchmark, found in /proc (Linux, Postgres on this machine): every
// process is a child of the postmaster, and a backend's title names its database ("postgres: 15/main:
// postgres postdate_bench_tp_1a2b 127.0.0.1(5432) idle"), autovacuum workers included. The shared
// background processes (WAL writer, checkpointer, background writer) work for every database at once.

const BACKGROUND = /checkpointer|background writer|walwriter|wal writer|autovacuum launcher|logical replication launcher|stats collector|archiver/;

export interface PostgresProcesses {
  /** Backends (and autovacuum workers) of this database now; empty when Postgres is not on this machine. */
  backends(): number[];
  /** The shared background processes: WAL writer, checkpointer, background writer… */
  background(): number[];
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function titleOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function childrenOf(parent: number): number[] {
  // One read where the kernel keeps the list (CONFIG_PROC_CHILDREN); otherwise every process's parent.
  try {
    return readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => parentOf(pid) === parent);
  }
}

/**
 * `backendPid`: the pid of one of the benchmark's own connections (`SELECT pg_backend_pid()`); its parent is
 * the postmaster. When that pid is not visible here (Postgres in a container or on another host), both
 * lists stay empty and the report shows Postgres' CPU as 0, inside "unattributed".
 */
export function postgresProcesses(backendPid: number, databaseName: string): PostgresProcesses {
  const ours = ` ${databaseName} `;
  // A pid from another pid namespace (Postgres in a container) may name an unrelated process here.
  const postmaster = `${titleOf(backendPid)} `.includes(ours) ? parentOf(backendPid) : undefined;
  const classify = (): { backends: number[]; background: number[] } => {
    if (postmaster === undefined) return { backends: [], background: [] };
    const backends: number[] = [];
    const background: number[] = [];
    for (const pid of childrenOf(postmaster)) {
      const title = `${titleOf(pid)} `;
      if (title.includes(ours)) backends.push(pid);
      else if (BACKGROUND.test(title)) background.push(pid);
    }
    return { backends, background };
  };
  // The meter asks for both lists at each sample: one scan serves the two.
  let cached: { at: number; lists: ReturnType<typeof classify> } | undefined;
  const lists = () => {
    if (!cached || performance.now() - cached.at > 100) cached = { at: performance.now(), lists: classify() };
    return cached.lists;
  };
  return { backends: () => lists().backends, background: () => lists().background };
}
