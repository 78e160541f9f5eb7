// The reference model's answers to clients: cancel, edit (PATCH) and the removal of one recipient. Each
// runs under the email's row lock in the real code, so the model predicts its answer from the state as the
// requests before it left it; an answer the model did not predict is a problem and changes nothing.
import type { Advanced, EmailModel, Happening } from './model-state';

type Request = Extract<Happening, { kind: 'canceled' | 'edited' | 'recipient-removed' }>;

export function requested(m: EmailModel, h: Request, problems: string[]): Advanced {
  const answered = (predicted: string, actual: string) => {
    if (predicted !== actual) problems.push(`${h.kind === 'canceled' ? 'cancel' : h.kind === 'edited' ? 'edit' : `removal of ${h.kind === 'recipient-removed' ? h.address : ''}`} answered ${actual} while the email was ${m.status}: the model says ${predicted}`);
    return predicted === actual;
  };
  switch (h.kind) {
    case 'canceled': {
      const predicted = m.status === 'scheduled' ? 'canceled' : m.status === 'canceled' ? 'already' : 'conflict';
      if (answered(predicted, h.answer) && predicted === 'canceled') cancel(m, 'client');
      return { next: m, problems };
    }
    case 'recipient-removed': {
      const address = h.address.toLowerCase();
      const present = m.recipients.filter((r) => r.status !== 'removed');
      const target = present.find((r) => r.address === address);
      const predicted = m.status !== 'scheduled' ? 'conflict' : !target ? 'not_found' : present.length === 1 ? 'canceled' : 'removed';
      if (!answered(predicted, h.answer) || !target || predicted === 'conflict') return { next: m, problems };
      target.status = 'removed';
      if (predicted === 'canceled') cancel(m, 'last_recipient_removed');
      else m.events.push({ type: 'email.updated', version: m.version, status: 'scheduled' });
      return { next: m, problems };
    }
    case 'edited':
      return edited(m, h, problems, answered);
  }
}

function cancel(m: EmailModel, reason: string): void {
  m.status = 'canceled';
  m.version += 1;
  m.subjects[m.version] = m.subjects[m.version - 1]!;
  m.events.push({ type: 'email.canceled', version: m.version, status: 'canceled', reason });
}

function edited(
  m: EmailModel,
  h: Extract<Request, { kind: 'edited' }>,
  problems: string[],
  answered: (predicted: string, actual: string) => boolean,
): Advanced {
  const rearm = m.status === 'failed' || m.status === 'canceled';
  const refused = m.status === 'sending' || m.status === 'sent' || (rearm && h.sendAt === undefined);
  if (!answered(refused ? 'conflict' : 'ok', h.answer === 'conflict' ? 'conflict' : 'ok') || refused) return { next: m, problems };
  m.version += 1;
  const answeredVersion = h.answer === 'conflict' ? null : h.answer.version;
  if (answeredVersion !== null && answeredVersion !== m.version) problems.push(`edit answered version ${answeredVersion}, the model says ${m.version}`);
  if (rearm) {
    m.status = 'scheduled';
    m.attemptsAtArm = m.attempts;
  }
  if (h.to) {
    // A diff, as replaceRecipients makes it: gone addresses removed, new ones added, a removed one back as pending;
    // an address kept as it was keeps its row and its status.
    const desired = [...new Set(h.to.map((a) => a.toLowerCase()))];
    for (const r of m.recipients) if (r.status !== 'removed' && !desired.includes(r.address)) r.status = 'removed';
    for (const address of desired) {
      const row = m.recipients.find((r) => r.address === address);
      if (!row) m.recipients.push({ address, status: 'pending' });
      else if (row.status === 'removed') row.status = 'pending';
    }
  }
  if (h.sendAt !== undefined) m.dueAt = Math.max(h.sendAt, h.now);
  m.subjects[m.version] = h.subject;
  m.events.push({ type: 'email.updated', version: m.version, status: 'scheduled' });
  return { next: m, problems };
}
