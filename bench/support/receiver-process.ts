import { startWebhookReceiver } from '@postdate/test-support';

// The webhook receiver as its own process, so its CPU is not taken from the workers being measured. It
// answers 204 at once and keeps, per POST, when it came and the event it carried.
// Parent → child: {type:'count'} | {type:'stats'} | {type:'reset'}; child → parent: {type:'ready', url} | replies.

async function main() {
  const receiver = await startWebhookReceiver({ respond: () => ({ status: 204 }) });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'reset') {
      receiver.received.length = 0;
      process.send!({ type: 'reset' });
    } else if (message.type === 'count') {
      process.send!({ type: 'count', count: receiver.received.length });
    } else if (message.type === 'stats') {
      const times = receiver.received.map((r) => r.receivedAt);
      // Event creation (the database's clock, on this machine) → the POST's arrival (answered at once).
      const lagMs = receiver.received.map((r) => r.receivedAt - Date.parse((JSON.parse(r.body) as { data: { createdAt: string } }).data.createdAt));
      const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      process.send!({
        type: 'stats',
        count: times.length,
        distinct: ids.size,
        first: times.length ? Math.min(...times) : null,
        last: times.length ? Math.max(...times) : null,
        lagMs,
      });
    }
  });
  process.on('SIGTERM', () => void receiver.close().then(() => process.exit(0)));
  process.send!({ type: 'ready', url: receiver.url });
}

main().catch((error) => {
  process.stderr.write(`receiver failed: ${String(error)}\n`);
  process.exit(1);
});
