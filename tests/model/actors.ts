import {
  claimForDelivery,
  deliverEmail,
  reEnqueueOverdueEmails,
  recoverExpiredLeases,
  renewLease,
  type DeliveryContext,
  type DeliveryOutcome,
} from '@postdate/domain';
import { gatedDatabase } from './gated-database';
import { RunOver, type Actor } from './interleaver';
import type { RelayAnswer } from './model-state';
import { modelRelay, type RelayBehaviour } from './relay';
import { MAIL_DOMAIN, type EmailRun, type World } from './world';

// The protocol's own steps as actors: a delivery job, a lease renewal, the sweeper's lease recovery and its
// overdue scan. Each runs the real domain function on the actor's gated client; what it answers goes to the
// model. Client requests (cancel, edit, removal) and clock ticks are in client-actors.ts.

export const HORIZON_SECONDS = 10 * 86_400;

/** Runs `work` as `actor`: an error is a problem of the run, unless the run was over (a hung send let go). */
export async function launch(world: World, actor: Actor, work: () => Promise<void>): Promise<void> {
  const interleaver = world.interleaver;
  try {
    await work();
  } catch (error) {
    if (!(error instanceof RunOver) && !interleaver.isClosed) world.problem(`${actor.name} threw ${error instanceof Error ? error.stack : String(error)}`);
  } finally {
    interleaver.stopped(actor);
  }
}

/** A delivery job, run through deliverEmail: the claim and the sent-record go through the statements seam. */
export async function deliver(world: World, email: EmailRun, actor: Actor, job: 'first' | 'newest', relayBehaviour: RelayBehaviour, slot: { attempt?: number }): Promise<void> {
  await world.interleaver.turn(actor, 'picks its job');
  const version = job === 'first' ? email.jobs[0]! : Math.max(...email.jobs);
  const db = gatedDatabase(world.db, world.interleaver, actor);
  const clock = world.clockFor();
  let relay: RelayAnswer = 'none';
  let recorded = false;
  const attempt = () => slot.attempt ?? 0;
  const ctx: DeliveryContext = {
    db,
    policy: world.policy,
    mailDomain: MAIL_DOMAIN,
    horizonSeconds: HORIZON_SECONDS,
    clock,
    transport: modelRelay(world, email, actor, relayBehaviour, attempt, (answer) => (relay = answer)),
    enqueue: async (targets) => world.addJobs(targets),
    statements: {
      // No sender domains in the model (none required, no keys): the lookup is never asked.
      senderDomain: async () => undefined,
      async claim(request) {
        actor.phase = `claim v${request.version}`;
        const [result] = await claimForDelivery(db, { workerId: actor.name, leaseSeconds: world.policy.leaseSeconds, clock }, [request]);
        if (result!.kind === 'claimed') {
          const claimed = result!.email;
          slot.attempt = claimed.attempt;
          actor.phase = `a${claimed.attempt}`;
          const recipients = claimed.recipients.map((r) => r.address.toLowerCase());
          world.apply(email, actor, { kind: 'claimed', attempt: claimed.attempt, version: request.version, recipients, at: clock.last });
        } else world.note(email, actor, `claim of version ${request.version}: ${JSON.stringify(result)}`);
        return result!;
      },
      async markSent(request) {
        const fenced = await world.recordSent(db, request);
        recorded = true;
        world.apply(email, actor, fenced ? { kind: 'recorded-sent', attempt: request.attempt } : { kind: 'lost-claim', attempt: request.attempt });
        return fenced;
      },
    },
  };
  const outcome: DeliveryOutcome = await deliverEmail(ctx, { emailId: email.id.toString(), tenantId: world.tenantId.toString(), version });
  switch (outcome.outcome) {
    case 'failed':
      return world.apply(email, actor, { kind: 'recorded-failed', attempt: outcome.attempt, reason: outcome.reason, relay });
    case 'retry_scheduled':
      return world.apply(email, actor, { kind: 'recorded-retry', attempt: outcome.attempt, at: clock.last });
    case 'lost_claim':
      if (!recorded) world.apply(email, actor, { kind: 'lost-claim', attempt: outcome.attempt });
      return;
    case 'throttled':
    case 'expired':
      return world.problem(`${actor.name}: unexpected outcome ${JSON.stringify(outcome)}`);
    default:
      return;
  }
}

/** One tick of keepLease for the given delivery: renews the lease its claim holds, if it has claimed. */
export async function renew(world: World, email: EmailRun, actor: Actor, slot: { attempt?: number } | undefined): Promise<void> {
  await world.interleaver.turn(actor, 'ticks');
  const attempt = slot?.attempt;
  if (attempt === undefined) return world.note(email, actor, 'no claim to renew yet');
  actor.phase = `a${attempt}`;
  const clock = world.clockFor();
  const db = gatedDatabase(world.db, world.interleaver, actor);
  const ok = await renewLease(db, { emailId: email.id, attempt }, world.policy.leaseSeconds, clock);
  world.apply(email, actor, { kind: 'renewed', attempt, at: clock.last, ok });
}

/** The sweeper's lease recovery, in the run's mode: every email whose lease ran out, taken back. */
export async function recover(world: World, actor: Actor): Promise<void> {
  await world.interleaver.turn(actor, 'starts');
  const clock = world.clockFor();
  const recovery = await recoverExpiredLeases(gatedDatabase(world.db, world.interleaver, actor), world.policy, 10, clock);
  for (const target of recovery.rescheduled) {
    const email = world.emailById(target.emailId);
    if (!email) continue;
    world.apply(email, actor, { kind: 'recovered', attempt: target.attempts, to: 'scheduled', at: clock.last });
    email.jobs.push(target.version);
  }
  for (const id of recovery.failed) {
    const email = world.emailById(id);
    if (email) world.apply(email, actor, { kind: 'recovered', attempt: email.model.attempts, to: 'failed', at: clock.last });
  }
}

/** The sweeper's overdue scan: scheduled emails late past the grace get their job again. */
export async function overdue(world: World, actor: Actor): Promise<void> {
  await world.interleaver.turn(actor, 'starts');
  const clock = world.clockFor();
  await reEnqueueOverdueEmails({
    db: gatedDatabase(world.db, world.interleaver, actor),
    graceMs: world.modelPolicy.overdueGraceMs,
    batchSize: 10,
    clock,
    reEnqueue: async (targets) => {
      for (const target of targets) {
        const email = world.emailById(target.emailId);
        if (!email) continue;
        world.apply(email, actor, { kind: 'overdue-found', version: target.version, at: clock.last });
        email.jobs.push(target.version);
      }
      return { reEnqueued: targets.length, delayedRunNow: 0 };
    },
  });
}
