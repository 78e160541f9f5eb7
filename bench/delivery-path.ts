import { Client } from 'pg';
import { inTransaction } from '@postdate/db';
import { connectDatabase } from '@postdate/db/client';
import { createDeliveryStatements, deliverEmail, type DeliveryContext } from '@postdate/domain';
import type { MailTransport } from '@postdate/mail';
import { leanDeliverPg, leanDeliverPrisma } from './baselines/lean-protocol';
import { benchTenant, seedEmails } from './support/bench-emails';
import { emitResult, envInt, percentiles, progress, ratio, round1, runBenchmark } from './support/report';
import { withBenchServices } from './support/services';

// bench:delivery-path — the database side of one delivery, without SMTP or BullMQ, in one process, one at a
// time: postdate's deliverEmail (claim statement + recipients read + sent-record statement, through Prisma, unbatched) against the
// Zulip-style poller's statements through node-postgres, interleaved in chunks so both see the same load.
// Also the cost of one trivial statement through Prisma ($queryRaw) and through pg. Explains bench:throughput.

const N = envInt('EMAILS', 1000);
const CHUNK = 50;
const TRIVIAL = envInt('TRIVIAL_STATEMENTS', 2000);

const nullTransport: MailTransport = {
  async send(message) {
    return { accepted: [...message.to, ...message.cc, ...message.bcc], rejected: [], response: '250 accepted by null transport' };
  },
  async verify() {},
  close() {},
};

async function pollerDelivery(pg: Client): Promise<boolean> {
  await pg.query('BEGIN');
  const { rows } = await pg.query<{ id: string }>(
    `SELECT id, from_address, subject, text_body, html_body, headers FROM scheduled_email
     WHERE status = 'scheduled' AND due_at <= now() ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
  );
  const row = rows[0];
  if (!row) {
    await pg.query('COMMIT');
    return false;
  }
  await pg.query(`SELECT address, kind FROM recipient WHERE email_id = $1 AND status = 'pending' ORDER BY id`, [row.id]);
  await pg.query(
    `UPDATE scheduled_email SET status = 'sent', sent_at = now(), attempts = attempts + 1, updated_at = now() WHERE id = $1`,
    [row.id],
  );
  await pg.query(`UPDATE recipient SET status = 'sent', updated_at = now() WHERE email_id = $1 AND status = 'pending'`, [row.id]);
  await pg.query('COMMIT');
  return true;
}

/** Records wall and CPU milliseconds of each measured call. */
function sampler() {
  const wall: number[] = [];
  const cpu: number[] = [];
  return {
    async measure<T>(call: () => Promise<T>): Promise<T> {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await call();
      wall.push(performance.now() - t0);
      const used = process.cpuUsage(cpu0);
      cpu.push((used.user + used.system) / 1000);
      return result;
    },
    report: () => ({ msPerDelivery: percentiles(wall), cpuMsPerDelivery: percentiles(cpu) }),
  };
}

async function main() {
  progress(`delivery-path: ${N} deliveries each way, sequential, interleaved in chunks of ${CHUNK}`);
  await withBenchServices('path', async ({ database, defer }) => {
    const db = connectDatabase({ url: database.url, poolSize: 2 });
    defer(() => db.$disconnect());
    // Statements are counted on a second client: Prisma's query events cost CPU the measured one must not pay.
    let statements = 0;
    const countingDb = connectDatabase({ url: database.url, poolSize: 1, onQuery: () => statements++ });
    defer(() => countingDb.$disconnect());
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    defer(() => pg.end());
    const { tenantId } = await benchTenant(db);
    // postdate's rows first, the poller's after: the poller takes the oldest due rows, so give it its own
    // set by seeding them later and letting postdate deliver its set by id.
    const postdateTargets = await seedEmails(db, tenantId, N, { recipients: 3, sendAtOf: () => new Date(Date.now() - 60_000) });
    const leanPgTargets = await seedEmails(db, tenantId, N, {
      recipients: 3,
      sendAtOf: () => new Date(Date.now() - 60_000),
      firstIndex: 2 * N,
    });
    const leanPrismaTargets = await seedEmails(db, tenantId, N, {
      recipients: 3,
      sendAtOf: () => new Date(Date.now() - 60_000),
      firstIndex: 3 * N,
    });
    for (const t of leanPgTargets.splice(0, 20)) await leanDeliverPg(pg, t);
    for (const t of leanPrismaTargets.splice(0, 20)) await leanDeliverPrisma(db, t);
    const contextOn = (client: typeof db): DeliveryContext => ({
      db: client,
      // One delivery at a time here, so batches are of one: the per-email cost of the unbatched path.
      statements: createDeliveryStatements(client, { workerId: 'bench', leaseSeconds: 120 }, { maxBatchSize: 1, maxInFlight: 1 }),
      transport: nullTransport,
      enqueue: async () => undefined,
      mailDomain: 'postdate.test',
      horizonSeconds: 3600,
      policy: { leaseSeconds: 120, maxSendSeconds: 600, maxAttempts: 8, retryBaseSeconds: 30, retryMaxSeconds: 3600, leaseRecovery: 'at-least-once' },
    });
    const ctx = contextOn(db);
    // Count one delivery's statements, then warm both paths (JIT, connections) on a few rows of postdate's set.
    const [counted, ...warm] = postdateTargets.splice(0, 20);
    await deliverEmail(contextOn(countingDb), {
      emailId: counted!.emailId,
      tenantId: counted!.tenantId,
      version: counted!.version,
    });
    const statementsPerDelivery = statements;
    for (const t of warm) await deliverEmail(ctx, { emailId: t.emailId, tenantId: t.tenantId, version: t.version });
    await seedEmails(db, tenantId, N, { recipients: 3, sendAtOf: () => new Date(), firstIndex: N });
    // The poller picks the oldest due row: make postdate's remaining rows "later" so the poller only takes its own.
    // (due_at in the future would make the claims see "not due": instead postdate's and the sketches' rows are
    // moved out of the poller's way by giving them the poller-invisible status until their turn.)
    const others = [...postdateTargets, ...leanPgTargets, ...leanPrismaTargets].map((t) => t.emailId);
    await pg.query(`UPDATE scheduled_email SET status = 'canceled' WHERE id = ANY($1::bigint[])`, [others]);

    // Wall time and this process's CPU time (user + system) per delivery, by arm. One delivery runs at a
    // time, so the CPU delta of a call is that call's: the client-side cost, without the server's.
    const arms = { postdate: sampler(), poller: sampler(), leanPg: sampler(), leanPrisma: sampler() };
    const release = (ids: string[]) =>
      pg.query(`UPDATE scheduled_email SET status = 'scheduled' WHERE id = ANY($1::bigint[])`, [ids]);
    for (let start = 0; start < postdateTargets.length; start += CHUNK) {
      const chunk = postdateTargets.slice(start, start + CHUNK);
      const leanPg = leanPgTargets.slice(start, start + CHUNK);
      const leanPrisma = leanPrismaTargets.slice(start, start + CHUNK);
      await release([...chunk, ...leanPg, ...leanPrisma].map((t) => t.emailId));
      for (const t of leanPg) await arms.leanPg.measure(() => leanDeliverPg(pg, t));
      for (const t of leanPrisma) await arms.leanPrisma.measure(() => leanDeliverPrisma(db, t));
      for (const t of chunk) {
        const outcome = await arms.postdate.measure(() =>
          deliverEmail(ctx, { emailId: t.emailId, tenantId: t.tenantId, version: t.version }),
        );
        if (outcome.outcome !== 'sent') throw new Error(`delivery ${t.emailId}: ${outcome.outcome}`);
      }
      for (let k = 0; k < chunk.length; k++) {
        if (!(await arms.poller.measure(() => pollerDelivery(pg)))) break;
      }
    }

    // One trivial statement, alternating the two clients.
    const prismaStmt: number[] = [];
    const pgStmt: number[] = [];
    for (let i = 0; i < TRIVIAL; i++) {
      let t0 = performance.now();
      await db.$queryRaw`SELECT 1 AS one`;
      prismaStmt.push((performance.now() - t0) * 1000);
      t0 = performance.now();
      await pg.query('SELECT 1 AS one');
      pgStmt.push((performance.now() - t0) * 1000);
    }

    // One transaction holding one trivial statement: the fixed cost of inTransaction (BEGIN … COMMIT).
    const prismaTx: number[] = [];
    const pgTx: number[] = [];
    for (let i = 0; i < TRIVIAL / 2; i++) {
      let t0 = performance.now();
      await inTransaction(db, (tx) => tx.$queryRaw`SELECT 1 AS one`);
      prismaTx.push((performance.now() - t0) * 1000);
      t0 = performance.now();
      await pg.query('BEGIN');
      await pg.query('SELECT 1 AS one');
      await pg.query('COMMIT');
      pgTx.push((performance.now() - t0) * 1000);
    }

    const prismaUs = percentiles(prismaStmt);
    const pgUs = percentiles(pgStmt);
    const pd = arms.postdate.report();
    const poll = arms.poller.report();
    emitResult('delivery-path', {
      deliveries: pd.msPerDelivery.n,
      postdate: {
        ...pd,
        statementsPerDelivery,
        note: 'statements counted by Prisma query events; none runs inside an interactive transaction, so each is one round trip',
      },
      pollerSql: { ...poll, statementsPerDelivery: 6 },
      leanProtocolSketch: {
        pg: { ...arms.leanPg.report(), roundTrips: 5 },
        prisma: { ...arms.leanPrisma.report(), roundTrips: 5 },
        note: 'bench/baselines/lean-protocol.ts: same commits and fences as postdate, claim in one statement, finish in one',
      },
      ratioMeanPostdateToPoller: ratio(pd.msPerDelivery.mean, poll.msPerDelivery.mean),
      ratioCpuPostdateToPoller: ratio(pd.cpuMsPerDelivery.mean, poll.cpuMsPerDelivery.mean),
      trivialStatementUs: { prisma: prismaUs, pg: pgUs, prismaOverheadUsP50: round1(prismaUs.p50 - pgUs.p50) },
      transactionWithOneStatementUs: { prismaInTransaction: percentiles(prismaTx), pg: percentiles(pgTx) },
    });
  });
}

runBenchmark(main);
