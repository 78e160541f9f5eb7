import fc from 'fast-check';
import type { RelayVerdict } from './relay';

// What one run is made of: a few emails, each with the actors that work on it, the sweeper's passes and
// ticks of the shared clock. fast-check generates these and shrinks them; the order in which their steps proceed is the
// scheduler's.

export type ActorSpec =
  /** Does nothing: what shrinking turns an actor into when the failure does not need it. */
  | { kind: 'idle' }
  /**
   * A delivery job: the first job added (version 1) or the newest one when it starts (duplicates are just more
   * of these); what the relay answers, after `waits` more steps of a slow conversation.
   */
  | { kind: 'deliver'; job: 'first' | 'newest'; relay: RelayVerdict; waits: number }
  /** A lease renewal of the nth delivery of the email (keepLease's tick), if it has claimed by then. */
  | { kind: 'renew'; of: number }
  | { kind: 'cancel' }
  /** A PATCH: a new subject (each edit its own, so a message tells its version) and maybe more. */
  | { kind: 'edit'; change: 'content' | 'reschedule' | 'recipients' | 'rearm' }
  | { kind: 'remove'; which: number };

export interface EmailSpec {
  /** Due when the run starts, or a minute later. */
  dueNow: boolean;
  recipients: number;
  actors: ActorSpec[];
}

export interface Scenario {
  leaseRecovery: 'at-least-once' | 'at-most-once';
  emails: EmailSpec[];
  /** The sweeper's passes, over every email: lease recovery, or the overdue scan. */
  sweeps: ('idle' | 'recover' | 'overdue')[];
  /** Moves of the shared clock: past a rescheduled due time and a retry's backoff, or past every lease. */
  ticks: ('idle' | 'minute' | 'lease')[];
}

// Each choice lists the idle one first and may shrink to it (withCrossShrink): an actor the failure does not
// need becomes idle rather than disappearing, which keeps the scheduler's choices for the others as they were.
const idle = fc.constant({ kind: 'idle' as const });
const relayVerdict = fc.constantFrom<RelayVerdict>('accept', 'accept', 'accept', 'transient', 'permanent', 'hang', 'accept-then-hang');

const actorSpec: fc.Arbitrary<ActorSpec> = fc.oneof(
  { withCrossShrink: true },
  { weight: 1, arbitrary: idle },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('deliver' as const), job: fc.constantFrom('first' as const, 'newest' as const), relay: relayVerdict, waits: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('renew' as const), of: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('edit' as const), change: fc.constantFrom('content' as const, 'reschedule' as const, 'recipients' as const, 'rearm' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), which: fc.nat(2) }) },
);

function orIdle<T extends string>(...values: T[]): fc.Arbitrary<'idle' | T> {
  return fc.oneof({ withCrossShrink: true }, { weight: 1, arbitrary: fc.constant('idle' as const) }, { weight: 6, arbitrary: fc.constantFrom(...values) });
}

export function scenarioArbitrary(limits: { emails: number; actorsPerEmail: number }): fc.Arbitrary<Scenario> {
  return fc.record({
    leaseRecovery: fc.constantFrom('at-least-once' as const, 'at-most-once' as const),
    emails: fc.array(
      fc.record({
        dueNow: fc.constantFrom(true, true, false),
        recipients: fc.integer({ min: 1, max: 3 }),
        actors: fc.array(actorSpec, { minLength: 1, maxLength: limits.actorsPerEmail }),
      }),
      { minLength: 1, maxLength: limits.emails },
    ),
    sweeps: fc.array(orIdle('recover', 'recover', 'overdue'), { minLength: 1, maxLength: 2 }),
    ticks: fc.array(orIdle('lease', 'lease', 'minute'), { minLength: 1, maxLength: 2 }),
  });
}
