import fc from 'fast-check';
import { type ApiClient } from '@postdate/test-support';
import { startTestApi, type TestApi } from './support/test-api';

// Random JSON, plausible-but-wrong fields, raw strings and odd URLs at every endpoint. Whatever comes in:
// never a 5xx, every error is the JSON error shape, and a refused request writes nothing.
// Reproduce a failure with FUZZ_SEED=<printed seed>; run longer with FUZZ_RUNS=<total runs>.

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const totalRuns = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 200;
const runs = (share: number) => Math.max(1, Math.round(totalRuns * share));

let stack: TestApi;
let client: ApiClient;
/** Rows after the previous request: requests run one at a time, so it is the count before this one. */
let rows = 0;
/** The check in progress; one cut short by fast-check's time limit may still be running. */
let inflight: Promise<unknown> = Promise.resolve();
/** Emails of the fuzz tenant that the edit endpoints aim at. */
const targets: string[] = [];

beforeAll(async () => {
  console.log(`fuzz: FUZZ_SEED=${seed} FUZZ_RUNS=${totalRuns}`);
  stack = await startTestApi({ apiOverrides: { RATE_LIMIT_PER_MINUTE: '1000000' } });
  client = await stack.tenant('fuzz');
  const sendAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
  for (let i = 0; i < 3; i++) {
    const created = await client.request('POST', '/v1/emails', {
      from: 'noreply@acme.test',
      to: ['a@example.com', 'b@example.com'],
      cc: ['c@example.com'],
      text: 'hi',
      sendAt,
    });
    targets.push(String(created.body.id));
  }
});
beforeEach(async () => {
  await inflight;
  rows = await stack.db.scheduledEmail.count();
});
afterAll(async () => {
  await inflight;
  await stack?.close();
});

interface FuzzRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** Sent as-is with Content-Type application/json. */
  body?: string;
  /** An email the request may change: when it is refused, the row and its recipients must be as they were. */
  target?: string;
}

/** What a refused edit must leave alone. */
async function snapshot(id: string | undefined): Promise<unknown> {
  if (id === undefined) return null;
  return stack.db.scheduledEmail.findUnique({ where: { id: BigInt(id) }, include: { recipients: { orderBy: { id: 'asc' } } } });
}

/** Sends one request and checks the invariants every response must keep. */
function check(request: FuzzRequest): Promise<void> {
  const run = checkOne(request);
  inflight = run.catch(() => undefined);
  return run;
}

async function checkOne(request: FuzzRequest): Promise<void> {
  const before = rows;
  const targetBefore = await snapshot(request.target);
  const res = await client.request(request.method, request.path, request.body);
  const after = (rows = await stack.db.scheduledEmail.count());
  const targetAfter = await snapshot(request.target);
  const seen = `${res.status} ${typeof res.body === 'string' ? res.body.slice(0, 200) : JSON.stringify(res.body).slice(0, 300)}`;
  expect([res.status < 500, seen]).toEqual([true, seen]);
  if (res.status >= 400) {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof res.body?.error?.code).toBe('string');
    expect(typeof res.body?.error?.message).toBe('string');
    expect(JSON.stringify(res.body)).not.toMatch(/\s{4}at |\.ts:\d+|node_modules/);
    expect(after).toBe(before);
    expect(targetAfter).toEqual(targetBefore);
  } else if (request.path !== '/v1/emails/batch') {
    expect(after - before).toBeLessThanOrEqual(1);
  }
}

// The time limit bounds shrinking, which replays requests against the real API; it grows with FUZZ_RUNS.
const timeLimitMs = (numRuns: number) => Math.max(20_000, numRuns * 150);
const params = (numRuns: number) => ({ seed, numRuns, interruptAfterTimeLimit: timeLimitMs(numRuns) });
const jestTimeout = (numRuns: number) => timeLimitMs(numRuns) + 30_000;

// Values: JSON of any shape (full Unicode strings), and the specific strings that have broken parsers.
const nasty = fc.constantFrom(
  '',
  ' ',
  '\r\n',
  '\u0000',
  '\ud800',
  '\u2028',
  '%00',
  '__proto__',
  'constructor',
  'a@b',
  'bob@example.com',
  'Bob <bob@example.com>',
  'Bob\\ <bob@example.com>',
  '"q"@example.com',
  'x@bücher.de',
  'user@127.0.0.1',
  'a\ud800b',
  '2030-01-01T00:00:00Z',
  '2030-02-31T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '1e400',
  -1,
  0,
  1.5,
  2 ** 53,
  -0,
  null,
  true,
  [],
  {},
);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  nasty,
);
/** Random text with the characters that have broken parsers, databases and headers mixed in. */
const hostileText = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.constantFrom('\u0000', '\r\n', '\n', '\ud800', '\\', '"', '<', '>', '@', ':', '\u2028', '=?UTF-8?Q?=0A?='),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join('').slice(0, maxLength));
const address = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('bob@example.com', 'Carol <carol@example.com>'),
  fc.tuple(hostileText(20), fc.emailAddress()).map(([name, addr]) => `${name} <${addr}>`),
  junk,
);
const addresses = fc.oneof(fc.array(address, { maxLength: 4 }), junk);
const headerName = fc.oneof(
  fc.constantFrom('X-Campaign', 'List-Id', 'Bcc', 'Message-ID', 'Received', 'x-a', 'X-', 'Subject'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const fields: Record<string, fc.Arbitrary<unknown>> = {
  from: address,
  to: addresses,
  cc: addresses,
  bcc: addresses,
  replyTo: fc.oneof(address, addresses),
  subject: fc.oneof(hostileText(80), junk),
  text: fc.oneof(hostileText(200), junk),
  html: fc.oneof(hostileText(200), junk),
  headers: fc.oneof(fc.dictionary(headerName, fc.oneof(hostileText(60), junk), { maxKeys: 4 }), junk),
  sendAt: fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    junk,
  ),
  expiresAfter: fc.oneof(fc.integer(), fc.double(), junk),
  metadata: fc.oneof(fc.dictionary(hostileText(10), fc.oneof(hostileText(30), junk), { maxKeys: 4 }), junk),
  // Fields only the system sets.
  tenantId: junk,
  status: junk,
  attachments: junk,
  id: junk,
};
const plausibleEmail = fc.record(fields, { requiredKeys: [] });

// A valid email with one or two fields replaced by junk: gets past the other fields' checks, so each
// field's validation (and what lies behind it: the database) sees the junk on its own.
const validEmail = {
  from: 'Acme <noreply@acme.test>',
  to: ['bob@example.com'],
  subject: 'Hi',
  text: 'Hello',
  metadata: { k: 1 },
};
const fieldOverride = fc.oneof(...Object.entries(fields).map(([name, value]) => value.map((v) => [name, v] as const)));
const nearlyValidEmail = fc
  .array(fieldOverride, { minLength: 1, maxLength: 2 })
  .map((overrides) => ({ ...validEmail, ...Object.fromEntries(overrides) }));

// A body that is valid but for one random edit: the parser's edges.
const validJson = JSON.stringify({ from: 'a@acme.test', to: ['bob@example.com'], text: 'hi', metadata: { k: [1, { v: 'x' }] } });
const mangled = fc
  .tuple(fc.nat({ max: validJson.length }), fc.nat({ max: 5 }), fc.string({ unit: 'binary', maxLength: 5 }))
  .map(([at, cut, insert]) => validJson.slice(0, at) + insert + validJson.slice(at + cut));

/** Ids around the largest Postgres bigint: 19 digits, the pattern an id must match, and beyond int8. */
const int8Edge = fc.bigInt({ min: 2n ** 63n - 100n, max: 10n ** 19n - 1n }).map(String);

/** Percent-encodes every byte of the UTF-8 form but unreserved characters (never throws, unlike encodeURIComponent on a lone surrogate). */
const percentEncode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

const anyBody = (nearlyValid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: plausibleEmail.map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: nearlyValid.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: mangled },
  );

test(
  'POST /v1/emails: random JSON, plausible fields with junk values, raw strings',
  async () => {
    await fc.assert(
      fc.asyncProperty(anyBody(nearlyValidEmail), (raw) => check({ method: 'POST', path: '/v1/emails', body: raw })),
      params(runs(0.35)),
    );
  },
  jestTimeout(runs(0.35)),
);

test(
  'POST /v1/emails/batch: arrays of nearly valid emails, and junk',
  async () => {
    const batch = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.array(nearlyValidEmail, { minLength: 1, maxLength: 3 }).map((emails) => JSON.stringify({ emails })),
      },
      { weight: 1, arbitrary: fc.array(junk, { maxLength: 3 }).map((emails) => JSON.stringify({ emails })) },
      { weight: 1, arbitrary: anyBody(nearlyValidEmail) },
    );
    await fc.assert(
      fc.asyncProperty(batch, (raw) => check({ method: 'POST', path: '/v1/emails/batch', body: raw })),
      params(runs(0.1)),
    );
  },
  jestTimeout(runs(0.1)),
);

test(
  'PATCH, cancel and remove-recipient on our emails and on random ids',
  async () => {
    const ours = fc.constantFrom(...targets);
    const someId = fc.oneof(
      { weight: 3, arbitrary: ours },
      int8Edge,
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).map(percentEncode),
    );
    const recipient = fc.oneof(
      fc.constantFrom('a@example.com', 'B@EXAMPLE.COM', 'nobody@example.com'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
    );
    const request = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.tuple(someId, anyBody(nearlyValidEmail)).map(([id, body]): FuzzRequest => ({
          method: 'PATCH',
          path: `/v1/emails/${id}`,
          body,
          target: targets.includes(id) ? id : undefined,
        })),
      },
      {
        weight: 1,
        arbitrary: someId.map((id): FuzzRequest => ({
          method: 'POST',
          path: `/v1/emails/${id}/cancel`,
          target: targets.includes(id) ? id : undefined,
        })),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(someId, recipient).map(([id, address]): FuzzRequest => ({
          method: 'DELETE',
          path: `/v1/emails/${id}/recipients/${percentEncode(address)}`,
          target: targets.includes(id) ? id : undefined,
        })),
      },
    );
    await fc.assert(
      fc.asyncProperty(request, (r) => check(r)),
      params(runs(0.2)),
    );
  },
  jestTimeout(runs(0.2)),
);

test(
  'GET /v1/emails with random query strings',
  async () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 25 }),
      fc.integer().map(String),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      int8Edge,
      fc.constantFrom('sent', 'scheduled', 'canceled', 'SENT', '', '1', '100', '101', '20', '9223372036854775807'),
    );
    const key = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('limit', 'status', 'cursor') },
      fc.string({ unit: 'binary', maxLength: 10 }),
    );
    const query = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .array(fc.tuple(key, value), { maxLength: 4 })
          .map((pairs) => pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')),
      },
      { weight: 1, arbitrary: fc.webQueryParameters() },
    );
    await fc.assert(
      fc.asyncProperty(query, (q) => check({ method: 'GET', path: `/v1/emails?${q}` })),
      params(runs(0.175)),
    );
  },
  jestTimeout(runs(0.175)),
);

test(
  'GET /v1/emails/:id with random ids',
  async () => {
    const id = fc.oneof(
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      int8Edge,
      fc.integer().map(String),
      fc.double().map(String),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map(percentEncode),
      fc.webSegment().filter((s) => s.length > 0 && s !== '.' && s !== '..'),
    );
    await fc.assert(
      fc.asyncProperty(id, (value) => check({ method: 'GET', path: `/v1/emails/${value}` })),
      params(runs(0.175)),
    );
  },
  jestTimeout(runs(0.175)),
);
