import { settleBetweenPhases, type DeliveryBench, type PhaseSize } from '../support/delivery-bench';
import { progress } from '../support/report';
import { medianByKey, rotated, spread } from '../support/rounds';
import type { DeliveryPhase, PhaseResult } from './registry';

/**
 * Runs every phase once per round, in an order rotated each round, the database vacuumed between phases.
 * Answers each phase's results in round order.
 */
export async function runPhaseRounds(bench: DeliveryBench, size: PhaseSize, phases: DeliveryPhase[], rounds: number): Promise<Map<string, PhaseResult[]>> {
  const results = new Map<string, PhaseResult[]>(phases.map((p) => [p.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const phase of rotated(phases, r)) {
      await settleBetweenPhases(bench.db);
      progress(`round ${r + 1}/${rounds}: ${phase.name}`);
      const result = await phase.run(bench, size, `${phase.name}-r${r + 1}`, r);
      results.get(phase.name)!.push(result);
      const cpu = Object.entries(result.cpuMsPerEmail).map(([k, v]) => `${k} ${v}`).join(', ');
      progress(`${phase.name}: ${result.emailsPerSecond} emails/s; CPU ms per email: ${cpu}`);
    }
  }
  return results;
}

/** Every email sent once: no duplicate Message-ID at the sink, and every row of the phase's tenant `sent`. */
function deliveredExactlyOnce(result: PhaseResult): boolean {
  const rows = result.rows as Record<string, number> | undefined;
  return (result.duplicates ?? 0) === 0 && (rows === undefined || Object.keys(rows).every((status) => status === 'sent'));
}

/**
 * One phase over its rounds: whether every run delivered each email once, emails/s as median and spread,
 * CPU per email by component as medians, and each run.
 */
export function summarisePhase(results: PhaseResult[]) {
  return {
    valid: results.every(deliveredExactlyOnce),
    emailsPerSecond: spread(results.map((r) => r.emailsPerSecond)),
    cpuMsPerEmail: medianByKey(results.map((r) => r.cpuMsPerEmail)),
    runs: results,
  };
}
