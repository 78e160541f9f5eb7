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
  // A relay's rate limit: more than this many messages in any one second are answered 454, as SES does.
  const maxPerSecond = Number(process.env.RELAY_MAX_PER_SECOND ?? 0);
  const acceptedAt: number[] = [];
  let throttled = 0;
  const answer = async () => {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (maxPerSecond > 0) {
      const now = Date.now();
      while (acceptedAt.length > 0 && acceptedAt[0]! <= now - 1000) acceptedAt.shift();
      if (acceptedAt.length >= maxPerSecond) {
        throttled++;
        return { code: 454, message: '4.7.0 Throttling failure: Maximum sending rate exceeded.' };
      }
      acceptedAt.push(now);
    }
    return undefined;
  };
  const sink = await startSmtpSink(latencyMs > 0 || maxPerSecond > 0 ? { data: answer } : {});
  process.on('message', (message: { type: string }) => {
    if (message.type === 'reset') {
      sink.accepted.length = 0;
      sink.received.length = 0;
      throttled = 0;
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
        throttled,
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
