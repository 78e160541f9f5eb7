import { createServer } from 'node:http';
import { Pool } from 'pg';

// The API baseline: node:http + node-postgres, no framework, no auth, no validation, no enqueue — only the
// same single-transaction write postdate does for POST /v1/emails (the email row, then its recipients in one
// statement). Whatever postdate spends beyond this is the price of its features.

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const tenantId = process.env.TENANT_ID!;

interface Body {
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  sendAt: string;
}

async function insert(body: Body): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO scheduled_email (tenant_id, request_hash, send_at, due_at, from_address, subject, text_body, html_body, headers, queued)
       VALUES ($1, 'bare-baseline', $2, $2, $3, $4, $5, $6, $7, true) RETURNING id`,
      [tenantId, body.sendAt, body.from, body.subject, body.text ?? null, body.html ?? null, JSON.stringify(body.headers ?? {})],
    );
    const id = rows[0]!.id;
    await client.query(`INSERT INTO recipient (email_id, address, kind) SELECT $1, unnest($2::text[]), 'to'`, [id, body.to]);
    await client.query('COMMIT');
    return id;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: Body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
    } catch {
      res.writeHead(400).end();
      return;
    }
    insert(body).then(
      (id) => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, status: 'scheduled' }));
      },
      (error: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: error.message }));
      },
    );
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.({ type: 'ready' }));
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
