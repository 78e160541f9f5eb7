import type { DeliveryBench, PhaseSize } from '../support/delivery-bench';
import { durableFloorPhase, plainBullmqPrismaPhase } from './baseline-workers';
import { postdateWorkersPhase } from './postdate-workers';
import { smtpCeilingPhase } from './smtp-ceiling';
import { zulipPollerPhase } from './zulip-poller';

// The delivery phases a benchmark can run, by the names PHASES takes.

export interface PhaseResult {
  emailsPerSecond: number;
  cpuMsPerEmail: Record<string, number>;
  [detail: string]: unknown;
}

export interface DeliveryPhase {
  name: string;
  /** `round`: 0-based; BENCH_PROFILE profiles postdate's worker 0 in the first round only. */
  run(bench: DeliveryBench, size: PhaseSize, label: string, round: number): Promise<PhaseResult>;
}

export const PHASE_NAMES = ['ceiling', 'postdate', 'postdate-cluster', 'poller', 'plain', 'floor'] as const;

/**
 * The phases for PHASES (comma-separated names from PHASE_NAMES); `poller` becomes one phase per loop count
 * in `pollerLoops` (poller-1, poller-4…). `profile`: postdate's worker 0 under --cpu-prof.
 */
export function deliveryPhases(names: string[], pollerLoops: number[], profile: boolean): DeliveryPhase[] {
  return names.flatMap((name): DeliveryPhase[] => {
    switch (name) {
      case 'ceiling':
        return [{ name, run: (bench, size, label) => smtpCeilingPhase(bench, size, label) }];
      case 'postdate':
        return [{ name, run: (bench, size, label, round) => postdateWorkersPhase(bench, size, label, profile && round === 0) }];
      case 'postdate-cluster':
        // postdate's workers on a three-master Redis Cluster (the bench starts one when this phase is asked for).
        return [{ name, run: (bench, size, label) => postdateWorkersPhase(bench, size, label, false, true) }];
      case 'poller':
        return pollerLoops.map((loops) => ({ name: `poller-${loops}`, run: (bench, size, label) => zulipPollerPhase(bench, size, label, loops) }));
      case 'plain':
        return [{ name, run: plainBullmqPrismaPhase }];
      case 'floor':
        return [{ name, run: durableFloorPhase }];
      default:
        throw new Error(`unknown phase '${name}' in PHASES; known: ${PHASE_NAMES.join(', ')}`);
    }
  });
}

/** A comma-separated list from the environment, or the fallback. */
export function envList(name: string, fallback: string): string[] {
  return (process.env[name] || fallback).split(',').map((s) => s.trim()).filter(Boolean);
}
