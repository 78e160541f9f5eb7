import { createTransport } from 'nodemailer';
import { Client } from 'pg';

// Baseline (b): a deliverer in the style of Zulip's deliver_scheduled_emails — one loop per connection:
// BEGIN; lock the next due row (FOR UPDATE SKIP LOCKED LIMIT 1); send; mark it sent; COMMIT. The row lock
// and the transaction are held across the SMTP exchange, which is exactly what postdate avoids.
// Parent → child: {type:'go'} (start polling; every loop's connection is open by 'ready'), {type:'stop'};
// child → parent: {type:'ready'}, {type:'done', sent}.

const LOOPS = Number(process.env.LOOPS ?? 1);
let stopping = false;

interface Row {
  id: string;
  from_address: string;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  headers: Record<string, string>;
}

async function main() {
  const transporter = createTransport({
    url: process.env.SMTP_URL!,
    pool: true,
    maxConnections: LOOPS,
    maxMessages: 1000,
    disableFileAccess: true,
    disableUrlAccess: true,
  } as Parameters<typeof createTransport>[0]);
  let sent = 0;

  async function loop(client: Client, go: Promise<void>) {
    await go;
    while (!stopping) {
      await client.query('BEGIN');
      const { rows } = await client.query<Row>(
        `SELECT id, from_address, subject, text_body, html_body, headers FROM scheduled_email
         WHERE status = 'scheduled' AND due_at <= now() ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const row = rows[0];
      if (!row) {
        await client.query('COMMIT');
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const recipients = await client.query<{ address: string; kind: string }>(
        `SELECT address, kind FROM recipient WHERE email_id = $1 AND status = 'pending' ORDER BY id`,
        [row.id],
      );
      const pick = (kind: string) => recipients.rows.filter((r) => r.kind === kind).map((r) => r.address);
      const messageId = `<postdate.${row.id}@postdate.test>`;
      await transporter.sendMail({
        messageId,
        from: row.from_address,
        to: pick('to'),
        cc: pick('cc'),
        bcc: pick('bcc'),
        subject: row.subject,
        ...(row.text_body !== null ? { text: row.text_body } : {}),
        ...(row.html_body !== null ? { html: row.html_body } : {}),
        headers: row.headers,
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      await client.query(
        `UPDATE scheduled_email SET status = 'sent', sent_at = now(), attempts = attempts + 1, message_id = $2, updated_at = now() WHERE id = $1`,
        [row.id, messageId],
      );
      await client.query(`UPDATE recipient SET status = 'sent', updated_at = now() WHERE email_id = $1 AND status = 'pending'`, [
        row.id,
      ]);
      await client.query('COMMIT');
      sent++;
    }
    await client.end();
  }

  let start = () => undefined as void;
  const go = new Promise<void>((resolve) => (start = resolve));
  process.on('message', (message: { type: string }) => {
    if (message.type === 'go') start();
    if (message.type === 'stop') stopping = true;
  });
  const clients = Array.from({ length: LOOPS }, () => new Client({ connectionString: process.env.DATABASE_URL }));
  await Promise.all(clients.map((c) => c.connect()));
  const loops = clients.map((client) => loop(client, go));
  process.send!({ type: 'ready' });
  await Promise.all(loops);
  transporter.close();
  process.send!({ type: 'done', sent });
  process.disconnect();
}

main().catch((error) => {
  process.stderr.write(`poller failed: ${String(error)}\n`);
  process.exit(1);
});
