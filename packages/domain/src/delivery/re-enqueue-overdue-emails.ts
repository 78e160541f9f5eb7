import type { Db } from '@postdate/db';
import type { DeliveryTarget } from './delivery-target';
import { findOverdueEmails, overdueCursorAfter, type OverdueCursor } from './find-overdue-emails';
import type { SqlClock } from './sql-clock';

/** Where the last pass stopped, kept between passes (and shared by workers: any of them runs the next). */
export interface OverdueCursorStore {
  load(): Promise<OverdueCursor | null>;
  save(cursor: OverdueCursor | null): Promise<void>;
}

export interface OverdueScan {
  db: Db;
  graceMs: number;
  batchSize: number;
  /** Gives overdue emails a job that runs now: re-adds missing ones, runs delayed ones; says how many of each. */
  reEnqueue: (targets: DeliveryTarget[]) => Promise<{ reEnqueued: number; delayedRunNow: number }>;
  /** A pass reads no new page after this long (default: no limit); the next pass resumes after its last page. */
  overdueBudgetMs?: number;
  /** Without one, every pass starts at the oldest overdue email. */
  overdueCursor?: OverdueCursorStore;
  /** What "now" is for lateness; the database's clock unless a test controls it. */
  clock?: SqlClock;
}

/**
 * Pages through the overdue emails, oldest first, and hands each page to reEnqueue before reading the
 * next: after a Redis flush one pass gives every email its job back, not the oldest batch per pass. The
 * budget bounds a pass during a delivery backlog, when every overdue email has its job and a full pass
 * would find nothing to do: the pass then ends near the next one's start, so passes neither pile up on
 * several workers nor re-read a million waiting emails every interval. The pass after resumes where it
 * stopped, and the one after the end starts again at the oldest.
 */
export async function reEnqueueOverdueEmails(scan: OverdueScan): Promise<{ reEnqueued: number; delayedRunNow: number; checked: number }> {
  const total = { reEnqueued: 0, delayedRunNow: 0, checked: 0 };
  const started = performance.now();
  let after = (await scan.overdueCursor?.load()) ?? null;
  for (;;) {
    const page = await findOverdueEmails(scan.db, scan.graceMs, scan.batchSize, after, scan.clock);
    if (page.length > 0) {
      const { reEnqueued, delayedRunNow } = await scan.reEnqueue(page);
      total.reEnqueued += reEnqueued;
      total.delayedRunNow += delayedRunNow;
      total.checked += page.length;
    }
    // SKIP LOCKED fills the LIMIT past locked rows, so a short page is the last one.
    if (page.length < scan.batchSize) {
      after = null;
      break;
    }
    after = overdueCursorAfter(page.at(-1)!);
    if (performance.now() - started >= (scan.overdueBudgetMs ?? Infinity)) break;
  }
  await scan.overdueCursor?.save(after);
  return total;
}
