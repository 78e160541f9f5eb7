// The reference model: one email as the delivery protocol means it to behave, as a pure state machine.
// Each acknowledged step of the real code (a claim that answered, a record that committed, a message the
// relay accepted…) comes in as a Happening; `advance` answers the state after it and what in the answer
// contradicts the model. No IO and no clock: instants come in with the happenings. Requests from clients
// (cancel, edit, removal) are in model-requests.ts, the state itself in model-state.ts.
import { requested } from './model-requests';
import { claimable, holds, sameSet, type Advanced, type EmailModel, type ExpectedEvent, type Happening, type RelayAnswer } from './model-state';

export function advance(model: EmailModel, happening: Happening): Advanced {
  const m = structuredClone(model);
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => void (ok || problems.push(what));
  const event = (type: string, extra: Omit<ExpectedEvent, 'type' | 'version'> = {}) => m.events.push({ type, version: m.version, ...extra });
  const finish = (attempt: number, outcome: string) => {
    expect(holds(m, attempt), `the ${outcome} record of attempt ${attempt} was accepted while the email was ${m.status} at attempt ${m.attempts}${m.lost.includes(attempt) ? ' (its lease had been taken back)' : ''}`);
    m.outcomes[attempt] = outcome;
    m.lease = null;
  };

  switch (happening.kind) {
    case 'claimed': {
      const { attempt, version, at } = happening;
      expect(m.status === 'scheduled', `attempt ${attempt} claimed the email while it was ${m.status}`);
      expect(version === m.version, `attempt ${attempt} claimed version ${version} while the email was at version ${m.version}`);
      expect(m.dueAt <= at, `attempt ${attempt} claimed at ${at} an email due only at ${m.dueAt}`);
      expect(attempt === m.attempts + 1, `attempt ${attempt} claimed after attempt ${m.attempts}`);
      const { send, suppressed } = claimable(m);
      expect(sameSet(happening.recipients, send), `attempt ${attempt} was given recipients [${happening.recipients}], the model says [${send}]`);
      for (const r of m.recipients) if (suppressed.includes(r.address)) r.status = 'suppressed';
      for (const _ of suppressed) event('email.recipient_suppressed');
      m.status = 'sending';
      m.attempts = attempt;
      m.lease = { attempt, until: at + m.policy.leaseMs };
      m.claims[attempt] = { version, recipients: send, suppressed: suppressed.length };
      return { next: m, problems };
    }
    case 'renewed': {
      const { attempt, ok, at } = happening;
      if (!ok) expect(!holds(m, attempt), `the renewal of attempt ${attempt} was refused while the model says it holds the claim`);
      else expect(holds(m, attempt), `the renewal of attempt ${attempt} was accepted while the email was ${m.status} at attempt ${m.attempts}`);
      if (ok && holds(m, attempt)) m.lease = { attempt, until: at + m.policy.leaseMs };
      return { next: m, problems };
    }
    case 'recorded-sent': {
      const { attempt } = happening;
      finish(attempt, 'sent');
      const sentTo = m.claims[attempt]?.recipients ?? [];
      for (const r of m.recipients) if (sentTo.includes(r.address)) r.status = 'sent';
      m.status = 'sent';
      event('email.sent', { status: 'sent' });
      return { next: m, problems };
    }
    case 'recorded-failed': {
      const { attempt, reason, relay } = happening;
      const expected = failureReason(m, attempt, relay);
      expect(reason === expected, `attempt ${attempt} failed the email as ${reason}, the model says ${expected}`);
      finish(attempt, reason);
      m.status = 'failed';
      event('email.failed', { status: 'failed', reason });
      // A refusal of the whole message names its recipient when there is only one: refused for good, suppressed.
      const claim = m.claims[attempt];
      const only = relay === 'permanent' && claim?.recipients.length === 1 ? claim.recipients[0] : undefined;
      if (only !== undefined) {
        for (const r of m.recipients) if (r.address === only) r.status = 'rejected';
        if (!m.suppressed.includes(only)) m.suppressed.push(only);
        event('email.recipient_rejected');
      }
      return { next: m, problems };
    }
    case 'recorded-retry': {
      const { attempt, at } = happening;
      expect(attempt - m.attemptsAtArm < m.policy.maxAttempts, `attempt ${attempt} was retried past the cap of ${m.policy.maxAttempts}`);
      finish(attempt, 'transient_failure');
      m.status = 'scheduled';
      m.dueAt = at + m.policy.retryDelayMs;
      event('email.delivery_delayed', { status: 'scheduled', reason: 'smtp_transient' });
      return { next: m, problems };
    }
    case 'lost-claim':
      expect(!holds(m, happening.attempt), `attempt ${happening.attempt} reported its claim lost while the model says it holds it`);
      return { next: m, problems };
    case 'recovered':
      return recovered(m, happening, problems);
    case 'overdue-found': {
      const late = m.dueAt < happening.at - m.policy.overdueGraceMs;
      expect(m.status === 'scheduled' && happening.version === m.version && late, `the overdue scan found version ${happening.version}; the model: ${m.status} at version ${m.version}, due at ${m.dueAt}`);
      return { next: m, problems };
    }
    case 'relay-accepted':
      return relayAccepted(m, happening, problems);
    default:
      return requested(m, happening, problems);
  }
}

function failureReason(m: EmailModel, attempt: number, relay: RelayAnswer): string {
  if (relay === 'none') return (m.claims[attempt]?.suppressed ?? 0) > 0 ? 'suppressed' : 'no_recipients';
  if (relay === 'permanent') return 'smtp_rejected';
  return attempt - m.attemptsAtArm >= m.policy.maxAttempts ? 'retries_exhausted' : '(a retry, not a failure)';
}

function recovered(m: EmailModel, h: Extract<Happening, { kind: 'recovered' }>, problems: string[]): Advanced {
  if (!holds(m, h.attempt) || !m.lease || m.lease.until >= h.at) {
    problems.push(`lease recovery took attempt ${h.attempt} back at ${h.at}; the model: ${m.status} at attempt ${m.attempts}, lease ${JSON.stringify(m.lease)}`);
  }
  const exhausted = m.attempts - m.attemptsAtArm >= m.policy.maxAttempts;
  const to = m.policy.leaseRecovery === 'at-most-once' || exhausted ? 'failed' : 'scheduled';
  if (h.to !== to) problems.push(`lease recovery made attempt ${h.attempt}'s email ${h.to}, the model says ${to}`);
  m.status = h.to;
  m.dueAt = h.at;
  m.lease = null;
  m.outcomes[h.attempt] = 'lease_expired';
  m.lost.push(h.attempt);
  m.events.push(
    h.to === 'scheduled'
      ? { type: 'email.delivery_delayed', version: m.version, status: 'scheduled', reason: 'lease_expired' }
      : { type: 'email.failed', version: m.version, status: 'failed', reason: 'outcome_unknown' },
  );
  return { next: m, problems };
}

/** A message the relay accepted must be exactly what its attempt claimed: that version, those recipients. */
function relayAccepted(m: EmailModel, h: Extract<Happening, { kind: 'relay-accepted' }>, problems: string[]): Advanced {
  const claim = m.claims[h.attempt];
  const version = Number(Object.entries(m.subjects).find(([, subject]) => subject === h.subject)?.[0] ?? NaN);
  if (!claim) problems.push(`the relay accepted a message from attempt ${h.attempt}, which never claimed the email`);
  else {
    if (version !== claim.version) problems.push(`attempt ${h.attempt} claimed version ${claim.version} but sent "${h.subject}" (version ${version})`);
    if (!sameSet(h.recipients, claim.recipients)) problems.push(`attempt ${h.attempt} sent to [${h.recipients}], its claim gave [${claim.recipients}]`);
  }
  m.sends.push({ attempt: h.attempt, version, messageId: h.messageId, recipients: h.recipients });
  return { next: m, problems };
}
