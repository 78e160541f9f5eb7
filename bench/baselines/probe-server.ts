import { createServer } from 'node:http';
import express from 'express';

// Frameworks' floors: GET /healthz answered {"status":"ok"} by bare node:http (PORT) and by an Express 5 app
// with one route and nothing else (EXPRESS_PORT), in one process. bench:api-layers hits one at a time and
// compares both with postdate's own /healthz, to show what Express costs before any postdate code runs.

const plain = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ status: 'ok' }));
});

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
const framed = createServer(app);

let listening = 0;
const ready = () => {
  if (++listening === 2) process.send?.({ type: 'ready' });
};
plain.listen(Number(process.env.PORT), '127.0.0.1', ready);
framed.listen(Number(process.env.EXPRESS_PORT), '127.0.0.1', ready);
process.on('SIGTERM', () => {
  plain.close();
  framed.close(() => process.exit(0));
});
