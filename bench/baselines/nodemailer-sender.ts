import { createTransport } from 'nodemailer';
import { benchMessage } from '../support/bench-emails';

// Baseline (a), the SMTP ceiling: nodemailer's pool, configured as postdate's SMTP transport is, sending the
// same messages straight to the sink with nothing else to do. Waits for {type:'go'}, replies {type:'done'}.

async function main() {
  const count = Number(process.env.COUNT);
  const first = Number(process.env.FIRST_INDEX ?? 0);
  const recipients = Number(process.env.RECIPIENTS ?? 3);
  const transporter = createTransport({
    url: process.env.SMTP_URL!,
    pool: true,
    maxConnections: Number(process.env.SMTP_POOL_SIZE ?? 5),
    maxMessages: 1000,
    disableFileAccess: true,
    disableUrlAccess: true,
  } as Parameters<typeof createTransport>[0]);
  process.on('message', async (message: { type: string }) => {
    if (message.type !== 'go') return;
    let errors = 0;
    await Promise.all(
      Array.from({ length: count }, async (_, k) => {
        const i = first + k;
        const m = benchMessage(i, recipients);
        try {
          await transporter.sendMail({
            messageId: `<postdate.${i + 1}@postdate.test>`,
            from: m.from,
            to: m.to,
            cc: [],
            bcc: [],
            subject: m.subject,
            text: m.text,
            html: m.html,
            headers: m.headers,
            disableFileAccess: true,
            disableUrlAccess: true,
          });
        } catch {
          errors++;
        }
      }),
    );
    transporter.close();
    process.send!({ type: 'done', errors });
  });
  process.send!({ type: 'ready' });
}

main().catch((error) => {
  process.stderr.write(`sender failed: ${String(error)}\n`);
  process.exit(1);
});
