import { cancelEmail, ConflictError, NotFoundError, removeRecipient, updateEmail, updateEmailInputSchema } from '@postdate/domain';
import { HORIZON_SECONDS } from './actors';
import { gatedDatabase } from './gated-database';
import type { Actor } from './interleaver';
import type { Happening } from './model-state';
import { T0, type EmailRun, type World } from './world';

// What clients ask while deliveries run: cancel, PATCH (content, reschedule, recipients, re-arm) and the
// removal of one recipient, each through the real domain function the API calls; and the clock's ticks.

const patchSchema = updateEmailInputSchema();
const MINUTE = 60_000;

/** The domain's answer to a request: the value, or the 409/404 it refused with. */
async function answerOf<T>(request: Promise<T>): Promise<T | 'conflict' | 'not_found'> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ConflictError) return 'conflict';
    if (error instanceof NotFoundError) return 'not_found';
    throw error;
  }
}

export async function cancel(world: World, email: EmailRun, actor: Actor): Promise<void> {
  await world.interleaver.turn(actor, 'starts');
  const answer = await answerOf(cancelEmail(gatedDatabase(world.db, world.interleaver, actor), world.tenantId, email.id));
  if (answer === 'not_found') return world.problem(`${actor.name}: the email was not found`);
  world.apply(email, actor, { kind: 'canceled', answer: answer === 'conflict' ? 'conflict' : answer ? 'canceled' : 'already' });
}

export async function edit(world: World, email: EmailRun, actor: Actor, change: 'content' | 'reschedule' | 'recipients' | 'rearm', n: number): Promise<void> {
  await world.interleaver.turn(actor, 'starts');
  const now = world.clock;
  const subject = `${email.key} edit ${n}`;
  const to = change === 'recipients' ? [email.addresses[0]!, `${email.key}-new${n}@example.test`] : undefined;
  const sendAt = change === 'reschedule' ? now + MINUTE : change === 'rearm' ? now : undefined;
  // sendAt is given as a Date after parsing: the schema measures "how far ahead" by the wall clock.
  const patch = { ...patchSchema.parse({ subject, ...(to && { to }) }), ...(sendAt !== undefined && { sendAt: new Date(sendAt) }) };
  const db = gatedDatabase(world.db, world.interleaver, actor);
  const answer = await answerOf(updateEmail(db, { tenantId: world.tenantId, id: email.id, patch, now: new Date(now), enqueueHorizonSeconds: HORIZON_SECONDS, maxRecipients: 50 }));
  if (answer === 'not_found') return world.problem(`${actor.name}: the email was not found`);
  const happening: Happening = {
    kind: 'edited',
    subject,
    now,
    ...(to && { to }),
    ...(sendAt !== undefined && { sendAt }),
    answer: answer === 'conflict' ? 'conflict' : { version: answer?.version ?? null },
  };
  world.apply(email, actor, happening);
  if (answer !== 'conflict' && answer) email.jobs.push(answer.version);
}

export async function remove(world: World, email: EmailRun, actor: Actor, which: number): Promise<void> {
  await world.interleaver.turn(actor, 'starts');
  const address = email.addresses[which % email.addresses.length]!;
  const answer = await answerOf(removeRecipient(gatedDatabase(world.db, world.interleaver, actor), world.tenantId, email.id, address));
  const named = typeof answer === 'string' ? answer : answer.emailCanceled ? 'canceled' : 'removed';
  world.apply(email, actor, { kind: 'recipient-removed', address, answer: named });
}

/** Moves the run's clock on: every statement built after this sees the new instant. */
export async function tick(world: World, actor: Actor, by: 'minute' | 'lease'): Promise<void> {
  await world.interleaver.turn(actor, by === 'minute' ? '+61 s' : '+lease');
  world.clock += by === 'minute' ? MINUTE + 1_000 : world.policy.leaseSeconds * 1000 + 1_000;
  world.note(null, actor, `the clock is now T0 + ${(world.clock - T0) / 1000} s`);
}
