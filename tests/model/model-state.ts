// The reference model's state: one email as the delivery protocol means it to be, plain data. The
// transitions are in model.ts (delivery) and model-requests.ts (what clients ask).

export type EmailStatus = 'scheduled' | 'sending' | 'sent' | 'failed' | 'canceled';
export type RecipientStatus = 'pending' | 'removed' | 'sent' | 'rejected' | 'suppressed';

export interface ModelPolicy {
  leaseMs: number;
  maxAttempts: number;
  retryDelayMs: number;
  overdueGraceMs: number;
  leaseRecovery: 'at-least-once' | 'at-most-once';
}

/** An outbox row as the model expects it: its type, the email's version after the change, what data says. */
export interface ExpectedEvent {
  type: string;
  version: number;
  status?: EmailStatus;
  reason?: string;
}

export interface EmailModel {
  policy: ModelPolicy;
  status: EmailStatus;
  version: number;
  attempts: number;
  attemptsAtArm: number;
  dueAt: number;
  lease: { attempt: number; until: number } | null;
  /** In row-id order, as the claim reads them; addresses are lower case throughout. */
  recipients: { address: string; status: RecipientStatus }[];
  /** The tenant's suppression list, as far as this email's addresses go. */
  suppressed: string[];
  /** The subject each version carries: how a message in the sink tells which version it is. */
  subjects: Record<number, string>;
  /** What each attempt was entitled to send: the version it claimed, its recipients, how many were skipped. */
  claims: Record<number, { version: number; recipients: string[]; suppressed: number }>;
  /** How each finished attempt ended, as the attempt log must say. */
  outcomes: Record<number, string>;
  /** Attempts whose lease the sweeper took back: only their sends may be followed by another. */
  lost: number[];
  /** What reached the relay and was accepted: by which attempt, of which version, with which Message-ID. */
  sends: { attempt: number; version: number; messageId: string; recipients: string[] }[];
  events: ExpectedEvent[];
}

export type RelayAnswer = 'permanent' | 'transient' | 'none';

export type Happening =
  | { kind: 'claimed'; attempt: number; version: number; recipients: string[]; at: number }
  | { kind: 'renewed'; attempt: number; at: number; ok: boolean }
  | { kind: 'recorded-sent'; attempt: number }
  | { kind: 'recorded-failed'; attempt: number; reason: string; relay: RelayAnswer }
  | { kind: 'recorded-retry'; attempt: number; at: number }
  | { kind: 'lost-claim'; attempt: number }
  | { kind: 'recovered'; attempt: number; to: 'scheduled' | 'failed'; at: number }
  | { kind: 'overdue-found'; version: number; at: number }
  | { kind: 'relay-accepted'; attempt: number; subject: string; recipients: string[]; messageId: string }
  | { kind: 'canceled'; answer: 'canceled' | 'already' | 'conflict' }
  | { kind: 'edited'; subject: string; to?: string[]; sendAt?: number; now: number; answer: 'conflict' | { version: number | null } }
  | { kind: 'recipient-removed'; address: string; answer: 'removed' | 'canceled' | 'conflict' | 'not_found' };

export interface Advanced {
  next: EmailModel;
  problems: string[];
}

export function createdEmail(policy: ModelPolicy, subject: string, recipients: string[], dueAt: number): EmailModel {
  return {
    policy,
    status: 'scheduled',
    version: 1,
    attempts: 0,
    attemptsAtArm: 0,
    dueAt,
    lease: null,
    recipients: recipients.map((address) => ({ address: address.toLowerCase(), status: 'pending' })),
    suppressed: [],
    subjects: { 1: subject },
    claims: {},
    outcomes: {},
    lost: [],
    sends: [],
    events: [{ type: 'email.scheduled', version: 1, status: 'scheduled' }],
  };
}

/** True while `attempt` is the claim the row holds: the fence every record and renewal must pass. */
export const holds = (m: EmailModel, attempt: number) => m.status === 'sending' && m.attempts === attempt;

export const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** The recipients a claim made now must be given, and those it must skip as suppressed. */
export function claimable(m: EmailModel): { send: string[]; suppressed: string[] } {
  const pending = m.recipients.filter((r) => r.status === 'pending').map((r) => r.address);
  return { send: pending.filter((a) => !m.suppressed.includes(a)), suppressed: pending.filter((a) => m.suppressed.includes(a)) };
}
