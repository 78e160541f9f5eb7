import type { ExpectedEvent } from './model-state';
import type { EmailRun, HistoryEntry, World } from './world';

// What must hold once a run is over and drained, checked against the database and the relay's record:
//  - never two sends of one version, except after a lease was lost, and then with the same Message-ID;
//  - never a send handed over after an acknowledged cancel, or to a recipient after its acknowledged removal;
//  - never a send of a version older than an acknowledged edit;
//  - never a lost email: every email ends sent, failed or canceled;
//  - the rows (status, version, attempts, recipients, the attempt log) are what the model says;
//  - the event log matches the status changes one for one.

const FINAL = new Set(['sent', 'failed', 'canceled']);

interface StoredEmail {
  id: bigint;
  status: string;
  version: number;
  attempts: number;
  recipients: { a: string; s: string }[];
  log: { n: number; o: string | null }[];
  events: { t: string; v: number; s: string | null; r: string | null }[];
}

export async function checkOutcome(world: World): Promise<void> {
  // One round trip: each email with its recipients, its attempt log and its events, in their order.
  const stored = await world.db.$queryRaw<StoredEmail[]>`
    SELECT e.id, e.status::text AS status, e.version, e.attempts,
      (SELECT coalesce(json_agg(json_build_object('a', lower(r.address), 's', r.status) ORDER BY r.id), '[]') FROM recipient r WHERE r.email_id = e.id) AS recipients,
      (SELECT coalesce(json_agg(json_build_object('n', a.attempt, 'o', a.outcome) ORDER BY a.attempt), '[]') FROM delivery_attempt a WHERE a.email_id = e.id) AS log,
      (SELECT coalesce(json_agg(json_build_object('t', v.type, 'v', v.email_version, 's', v.data->>'status', 'r', v.data->>'reason') ORDER BY v.sequence), '[]')
         FROM event v WHERE v.email_id = e.id) AS events
    FROM scheduled_email e WHERE e.id = ANY(${world.emails.map((e) => e.id)}::bigint[])`;
  for (const email of world.emails) {
    const row = stored.find((s) => s.id === email.id);
    const problem = (text: string) => world.problem(`email ${email.index}: ${text}`);
    if (!row) {
      problem('its row is gone');
      continue;
    }
    const m = email.model;
    if (!FINAL.has(m.status) || !FINAL.has(row.status)) problem(`lost: still ${row.status} (the model: ${m.status}) after the drain`);
    const rowState = `${row.status} v${row.version} after ${row.attempts} attempt(s)`;
    const modelState = `${m.status} v${m.version} after ${m.attempts} attempt(s)`;
    if (rowState !== modelState) problem(`the row is ${rowState}, the model says ${modelState}`);
    const recipients = (list: { a: string; s: string }[]) => list.map((r) => `${r.a}:${r.s}`).join(', ');
    const modelRecipients = recipients(m.recipients.map((r) => ({ a: r.address, s: r.status })));
    if (recipients(row.recipients) !== modelRecipients) problem(`recipients are [${recipients(row.recipients)}], the model says [${modelRecipients}]`);
    const log = row.log.map((a) => `${a.n}:${a.o ?? 'open'}`).join(', ');
    const modelLog = Object.entries(m.outcomes).map(([n, o]) => `${n}:${o}`).join(', ');
    if (log !== modelLog) problem(`the attempt log says [${log}], the model [${modelLog}]`);
    checkEvents(row.events, m.events, problem);
    checkSends(email, problem);
    checkHandOffs(email, world.history.filter((h) => h.email === email.index), problem);
  }
}

const eventText = (e: ExpectedEvent) => `${e.type} v${e.version}${e.status ? ` ${e.status}` : ''}${e.reason ? ` (${e.reason})` : ''}`;

/** The outbox, one event per status change, in the order they committed. */
function checkEvents(stored: StoredEmail['events'], expected: ExpectedEvent[], problem: (text: string) => void): void {
  const actual = stored.map((e) => eventText({ type: e.t, version: e.v, ...(e.s && { status: e.s as ExpectedEvent['status'] }), ...(e.r && { reason: e.r }) }));
  const wanted = expected.map(eventText);
  const first = actual.findIndex((text, i) => text !== wanted[i]);
  if (first >= 0 || actual.length !== wanted.length) {
    const at = first >= 0 ? first : Math.min(actual.length, wanted.length);
    problem(`the event log differs from the status changes at event ${at + 1}:\n      stored: ${actual.join(' → ')}\n      model:  ${wanted.join(' → ')}`);
  }
}

/** At most one accepted send whose lease was not lost; every copy under the email's one Message-ID. */
function checkSends(email: EmailRun, problem: (text: string) => void): void {
  const { sends, lost, status, outcomes } = email.model;
  for (const send of sends) if (send.messageId !== email.messageId) problem(`attempt ${send.attempt} sent Message-ID ${send.messageId}, not ${email.messageId}`);
  const kept = sends.filter((s) => !lost.includes(s.attempt));
  if (kept.length > 1) {
    const versions = kept.map((s) => `v${s.version} by attempt ${s.attempt}`).join(', ');
    problem(`sent ${kept.length} times with no lease lost in between (${versions})`);
  }
  const recordedSent = Object.entries(outcomes).filter(([, o]) => o === 'sent').map(([n]) => Number(n));
  if (status === 'sent' && (recordedSent.length !== 1 || !sends.some((s) => s.attempt === recordedSent[0]))) {
    problem(`is sent, but attempts [${recordedSent}] recorded a send and the relay accepted [${sends.map((s) => s.attempt)}]`);
  }
}

/** Hand-offs to the relay against what clients were told before: cancel, removal, edit. */
function checkHandOffs(email: EmailRun, history: HistoryEntry[], problem: (text: string) => void): void {
  for (const send of history) {
    const h = send.happening;
    if (h.kind !== 'relay-accepted' || send.handedOffAt === undefined) continue;
    const version = email.model.sends.find((s) => s.attempt === h.attempt)?.version ?? NaN;
    const before = history.filter((e) => e.step < send.handedOffAt!);
    const lastArm = Math.max(-1, ...before.filter((e) => e.happening.kind === 'edited' && e.happening.answer !== 'conflict' && (e.before === 'failed' || e.before === 'canceled')).map((e) => e.step));
    for (const ack of before) {
      const a = ack.happening;
      const rearmedSince = lastArm > ack.step;
      const canceled = (a.kind === 'canceled' && a.answer === 'canceled') || (a.kind === 'recipient-removed' && a.answer === 'canceled');
      if (canceled && !rearmedSince) problem(`attempt ${h.attempt} handed a message over at step ${send.handedOffAt}, after the cancel acknowledged at step ${ack.step}`);
      if (a.kind === 'recipient-removed' && (a.answer === 'removed' || a.answer === 'canceled')) {
        const readded = before.some((e) => e.step > ack.step && e.happening.kind === 'edited' && e.happening.answer !== 'conflict' && e.happening.to?.includes(a.address));
        if (h.recipients.includes(a.address.toLowerCase()) && !readded) problem(`attempt ${h.attempt} sent to ${a.address} at step ${send.handedOffAt}, after its removal was acknowledged at step ${ack.step}`);
      }
      if (a.kind === 'edited' && a.answer !== 'conflict' && a.answer.version !== null && a.answer.version > version) {
        problem(`attempt ${h.attempt} handed over version ${version} at step ${send.handedOffAt}, after the edit to version ${a.answer.version} was acknowledged at step ${ack.step}`);
      }
    }
  }
}
