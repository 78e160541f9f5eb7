import type { Happening } from './model-state';
import { T0, type HistoryEntry, type World } from './world';

// How a failing run reads: what the model objected to, then the run's history step by step (the scheduler's
// own record of the order it chose is printed by fast-check with the counterexample).

const at = (instant: number) => `T0+${(instant - T0) / 1000}s`;

function describe(h: Happening | { kind: 'note'; text: string }): string {
  switch (h.kind) {
    case 'note':
      return h.text;
    case 'claimed':
      return `claimed version ${h.version} as attempt ${h.attempt} at ${at(h.at)}, for [${h.recipients}]`;
    case 'renewed':
      return `renewal of attempt ${h.attempt} at ${at(h.at)} ${h.ok ? 'accepted' : 'refused'}`;
    case 'recorded-sent':
      return `attempt ${h.attempt} recorded sent`;
    case 'recorded-failed':
      return `attempt ${h.attempt} recorded failed (${h.reason}; relay: ${h.relay})`;
    case 'recorded-retry':
      return `attempt ${h.attempt} recorded a retry at ${at(h.at)}`;
    case 'lost-claim':
      return `attempt ${h.attempt} found its claim lost (record refused)`;
    case 'recovered':
      return `lease recovery at ${at(h.at)} took attempt ${h.attempt} back: ${h.to}`;
    case 'overdue-found':
      return `overdue scan at ${at(h.at)} re-added version ${h.version}`;
    case 'relay-accepted':
      return `relay accepted "${h.subject}" ${h.messageId} from attempt ${h.attempt} for [${h.recipients}]`;
    case 'canceled':
      return `cancel answered ${h.answer}`;
    case 'edited': {
      const what = [`subject "${h.subject}"`, ...(h.to ? [`to [${h.to}]`] : []), ...(h.sendAt !== undefined ? [`sendAt ${at(h.sendAt)}`] : [])].join(', ');
      return `edit (${what}) answered ${h.answer === 'conflict' ? 'conflict' : `version ${h.answer.version}`}`;
    }
    case 'recipient-removed':
      return `removal of ${h.address} answered ${h.answer}`;
  }
}

export function describeHistory(history: HistoryEntry[]): string {
  return history
    .map((e) => {
      const handedOff = e.handedOffAt !== undefined ? ` (handed over at step ${e.handedOffAt})` : '';
      return `  step ${String(e.step).padStart(3)}  ${e.actor}${e.email >= 0 ? ` [email ${e.email}]` : ''}: ${describe(e.happening)}${handedOff}`;
    })
    .join('\n');
}

/** The error a failing run throws: fast-check puts it under the (shrunk) counterexample it prints. */
export class ModelViolation extends Error {
  constructor(world: World) {
    super(
      [
        `the delivery protocol broke the model (${world.problems.length} problem(s)):`,
        ...world.problems.map((p) => `  - ${p}`),
        'schedule (the steps in the order the scheduler released them):',
        ...world.schedule.map((label, i) => `  ${String(i + 1).padStart(3)}. ${label}`),
        'history (step = scheduler steps released so far; the drain follows the scheduled part):',
        describeHistory(world.history),
      ].join('\n'),
    );
    this.name = 'ModelViolation';
  }
}
