import { nextMessage, spawnTs } from '../support/processes';
import { cpuPerEmail } from '../support/cpu-meter';
import { deliveryRate, split, type DeliveryBench, type PhaseSize } from '../support/delivery-bench';
import { envInt, progress } from '../support/report';

/**
 * The SMTP ceiling, for reference: K processes, each a nodemailer pool configured as postdate's transport,
 * pushing their share of the messages straight into the sink. Records nothing anywhere.
 */
export async function smtpCeilingPhase(bench: DeliveryBench, size: PhaseSize, label: string) {
  const { sink } = bench;
  await sink.reset();
  const senders = split(size.emails, size.workers).map((count, i) =>
    spawnTs('bench/baselines/nodemailer-sender.ts', {
      SMTP_URL: sink.url,
      COUNT: String(count),
      FIRST_INDEX: String(i * size.emails),
      RECIPIENTS: String(size.recipients),
      SMTP_POOL_SIZE: String(envInt('SMTP_POOL_SIZE', 5)),
    }),
  );
  await Promise.all(senders.map((s) => nextMessage(s, 'ready')));
  const done = senders.map((s) => nextMessage<{ type: 'done'; errors: number }>(s, 'done', size.timeoutMs));
  const meter = bench.meter(senders.map((s) => s.pid));
  for (const s of senders) s.child.send({ type: 'go' });
  await sink.waitForCount(size.emails, size.timeoutMs, (c) => progress(`${label}: ${c}/${size.emails}`));
  const cpu = meter.stop();
  const errors = (await Promise.all(done)).reduce((sum, d) => sum + d.errors, 0);
  await Promise.all(senders.map((s) => s.stop()));
  return { ...deliveryRate(await sink.stats()), cpuMsPerEmail: cpuPerEmail(cpu, size.emails), errors };
}
