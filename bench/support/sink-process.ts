import { startSmtpSink } from '@postdate/test-support';

// The counting SMTP sink as its own process, so its CPU is not taken from the process being measured.
// Parent → child: {type:'stats'} | {type:'reset'}; child → parent: {type:'ready', url} | {type:'stats', …}.

function sendAtOf(raw: string): number | undefined {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n') >>> 0);
  const match = /^X-Send-At:\s*(\d+)/im.exec(head);
  return match ? Number(match[1]) : undefined;
}

async function main() {
  // A relay's response time: each DATA is answered this long after the message is in (0 = at once).
  const latencyMs = Number(process.env.SMTP_LATENCY_MS ?? 0);
  const sink = await startSmtpSink(
    latencyMs > 0 ? { data: () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), latencyMs)) } : {},
  );
  process.on('message', (message: { type: string }) => {
    if (message.type === 'reset') {
      sink.accepted.length = 0;
      sink.received.length = 0;
      process.send!({ type: 'reset' });
    } else if (message.type === 'count') {
      process.send!({ type: 'count', count: sink.accepted.length });
    } else if (message.type === 'stats') {
      const times = sink.accepted.map((m) => m.receivedAt.getTime());
      const lateness: number[] = [];
      const dueAndAccepted: [number, number][] = [];
      for (const m of sink.accepted) {
        const sendAt = sendAtOf(m.raw);
        if (sendAt === undefined) continue;
        lateness.push(m.receivedAt.getTime() - sendAt);
        dueAndAccepted.push([sendAt, m.receivedAt.getTime()]);
      }
      const perId = sink.countByMessageId();
      const duplicates = [...perId.values()].filter((c) => c > 1).length;
      process.send!({
        type: 'stats',
        count: times.length,
        received: sink.received.length,
        first: times.length ? times.reduce((a, b) => Math.min(a, b)) : null,
        last: times.length ? times.reduce((a, b) => Math.max(a, b)) : null,
        duplicates,
        rcptPerMessage: times.length ? sink.accepted.reduce((s, m) => s + m.to.length, 0) / times.length : 0,
        lateness,
        dueAndAccepted,
      });
    }
  });
  process.on('SIGTERM', () => void sink.close().then(() => process.exit(0)));
  process.send!({ type: 'ready', url: sink.url });
}

main().catch((error) => {
  process.stderr.write(`sink failed: ${String(error)}\n`);
  process.exit(1);
});
