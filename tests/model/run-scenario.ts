import type fc from 'fast-check';
import type { Database } from '@postdate/db/client';
import { createEmailInputSchema, createEmails, type DeliveryPolicy } from '@postdate/domain';
import { deliver, HORIZON_SECONDS, launch, overdue, recover, renew } from './actors';
import { cancel, edit, remove, tick } from './client-actors';
import { Interleaver } from './interleaver';
import { checkOutcome } from './invariants';
import { createdEmail, type ModelPolicy } from './model-state';
import type { Scenario } from './scenario';
import { MAIL_DOMAIN, T0, World, type EmailRun, type RecordSent } from './world';

export interface ModelEnvironment {
  /** The pooled client every actor's statements go through (enough connections for every open transaction). */
  db: Database;
  /** A client of its own for asking Postgres who waits for a lock, never held up by the actors. */
  probe: Database;
  tenantId: bigint;
  recordSent: RecordSent;
}

const schema = createEmailInputSchema();
const LEASE_SECONDS = 300;
const FINAL = new Set(['sent', 'failed', 'canceled']);

/** One interleaving: a fresh set of emails, the scenario's actors scheduled step by step, a drain, the checks. */
export async function runScenario(env: ModelEnvironment, scheduler: fc.Scheduler, scenario: Scenario): Promise<World> {
  const { db, tenantId } = env;
  const policy: DeliveryPolicy = { leaseSeconds: LEASE_SECONDS, maxSendSeconds: 1, maxAttempts: 3, retryBaseSeconds: 1, retryMaxSeconds: 1, leaseRecovery: scenario.leaseRecovery };
  const modelPolicy: ModelPolicy = { leaseMs: LEASE_SECONDS * 1000, maxAttempts: 3, retryDelayMs: 1000, overdueGraceMs: 30_000, leaseRecovery: scenario.leaseRecovery };

  // The reset between runs: the model tenant's rows go (recipients, attempts and events with them, by cascade).
  await db.$executeRaw`
    WITH suppressions AS (DELETE FROM suppression WHERE tenant_id = ${tenantId})
    DELETE FROM scheduled_email WHERE tenant_id = ${tenantId}`;
  const specs = scenario.emails.map((spec, index) => {
    const key = `e${index}`;
    const addresses = Array.from({ length: spec.recipients }, (_, r) => `${key}-r${r}@example.test`);
    return { key, addresses, subject: `${key} v1`, dueAt: spec.dueNow ? T0 : T0 + 60_000 };
  });
  const { created } = await createEmails(db, {
    tenantId,
    emails: specs.map((s) => ({ input: { ...schema.parse({ from: 'sender@acme.test', to: s.addresses, subject: s.subject, text: 'model' }), sendAt: new Date(s.dueAt) } })),
    now: new Date(T0),
    enqueueHorizonSeconds: HORIZON_SECONDS,
  });
  const emails: EmailRun[] = specs.map((s, index) => ({
    index,
    key: s.key,
    id: created[index]!.email.id,
    messageId: `<postdate.${created[index]!.email.id}@${MAIL_DOMAIN}>`,
    addresses: s.addresses,
    model: createdEmail(modelPolicy, s.subject, s.addresses, s.dueAt),
    jobs: [1],
    deliveries: [],
  }));

  const interleaver = new Interleaver(scheduler, () => lockWaiters(env.probe));
  const world = new World(db, interleaver, tenantId, policy, modelPolicy, env.recordSent, emails);
  const actors: Promise<void>[] = [];
  const start = (name: string, work: (actor: ReturnType<Interleaver['actor']>) => Promise<void>) => {
    const actor = interleaver.actor(name);
    actors.push(launch(world, actor, () => work(actor)));
  };
  scenario.emails.forEach((spec, index) => {
    const email = emails[index]!;
    const deliveries = spec.actors.filter((a) => a.kind === 'deliver').length;
    spec.actors.forEach((a, n) => {
      const name = `e${index}.${a.kind}${n}`;
      switch (a.kind) {
        case 'idle':
          return start(name, async () => undefined);
        case 'deliver': {
          const slot = {};
          email.deliveries.push(slot);
          const name = `e${index}.d${email.deliveries.length}(${a.job},${a.relay}${a.waits ? `,+${a.waits}` : ''})`;
          return start(name, (actor) => deliver(world, email, actor, a.job, { verdict: a.relay, waits: a.waits }, slot));
        }
        case 'renew': {
          // keepLease's tick of one of this email's deliveries (none: nothing to renew).
          const of = a.of % Math.max(1, deliveries);
          return start(`${name}(d${of + 1})`, (actor) => renew(world, email, actor, email.deliveries[of]));
        }
        case 'cancel':
          return start(name, (actor) => cancel(world, email, actor));
        case 'edit':
          return start(`${name}(${a.change})`, (actor) => edit(world, email, actor, a.change, n));
        case 'remove':
          return start(`${name}(r${a.which % email.addresses.length})`, (actor) => remove(world, email, actor, a.which));
      }
    });
  });
  scenario.sweeps.forEach((sweep, n) =>
    start(`sweep${n}.${sweep}`, (actor) => (sweep === 'recover' ? recover(world, actor) : sweep === 'overdue' ? overdue(world, actor) : Promise.resolve())),
  );
  scenario.ticks.forEach((by, n) => start(`tick${n}${by === 'idle' ? '.idle' : ''}`, (actor) => (by === 'idle' ? Promise.resolve() : tick(world, actor, by))));

  try {
    await interleaver.run();
  } catch (error) {
    world.problem(String(error));
  }
  world.schedule = [...interleaver.released];
  world.close();
  if (world.problems.length === 0) {
    await drain(world);
    await checkOutcome(world);
  }
  return world;
}

/**
 * After the scheduled part, the system is left to finish: the clock moves past every lease and due time,
 * the sweeper recovers and re-adds jobs, and the newest job of each unfinished email is delivered (the
 * relay accepting). An email still not sent, failed or canceled after a few rounds is lost.
 */
async function drain(world: World): Promise<void> {
  const interleaver = new Interleaver(null);
  interleaver.step = world.interleaver.step + 1;
  world.interleaver = interleaver;
  for (let round = 1; round <= 4; round++) {
    const open = world.emails.filter((e) => !FINAL.has(e.model.status));
    if (open.length === 0) return;
    world.clock += world.policy.leaseSeconds * 1000 + 3_600_000;
    if (open.some((e) => e.model.status === 'sending')) {
      const recoverer = interleaver.actor(`drain${round}.recover`);
      await launch(world, recoverer, () => recover(world, recoverer));
    }
    const scanner = interleaver.actor(`drain${round}.overdue`);
    await launch(world, scanner, () => overdue(world, scanner));
    for (const email of open) {
      const deliverer = interleaver.actor(`drain${round}.e${email.index}.deliver`);
      if (email.model.status === 'scheduled') await launch(world, deliverer, () => deliver(world, email, deliverer, 'newest', { verdict: 'accept', waits: 0 }, {}));
    }
  }
}

/** How many backends of this database wait for a lock (a row lock, nearly always) this instant. */
async function lockWaiters(probe: Database): Promise<number> {
  const [row] = await probe.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE NOT l.granted AND a.datname = current_database()`;
  return row?.n ?? 0;
}
