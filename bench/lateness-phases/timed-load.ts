import { envInt } from '../support/report';

/** Emails all due `leadMs` after seeding starts, at one instant (spreadMs 0) or evenly over spreadMs. */
export interface TimedLoad {
  emails: number;
  leadMs: number;
  spreadMs: number;
}

/**
 * How long before the first due time seeding starts: LEAD_SECONDS, or by default enough to write the rows
 * and add the jobs on a quiet 2-core machine with room to spare (20 s + 1 s per 1 500 emails: ~87 s for
 * 100 000). A run that overruns it says so and marks its seeding invalid.
 */
export function leadMsFor(emails: number): number {
  return envInt('LEAD_SECONDS', Math.ceil(20 + emails / 1500)) * 1000;
}

/**
 * Mean lateness by tenth of the load in due order: flat under FIFO service at a steady rate, rising under
 * a backlog, falling when later-due emails overtake earlier ones.
 */
export function latenessByDueTenth(dueAndAccepted: [number, number][]): number[] {
  const byDue = [...dueAndAccepted].sort((a, b) => a[0] - b[0]);
  return Array.from({ length: 10 }, (_, d) => {
    const part = byDue.slice(Math.floor((d * byDue.length) / 10), Math.floor(((d + 1) * byDue.length) / 10));
    return Math.round(part.reduce((s, [due, at]) => s + at - due, 0) / Math.max(1, part.length));
  });
}
