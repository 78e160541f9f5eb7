// Examples shown in the document; its test validates each against the schema it illustrates.

export const createEmailExample = {
  from: 'Acme <noreply@acme.test>',
  to: ['ann@example.com'],
  bcc: ['audit@acme.test'],
  replyTo: 'support@acme.test',
  subject: 'Welcome',
  text: 'Hi Ann',
  html: '<p>Hi Ann</p>',
  headers: { 'X-Campaign': 'onboarding' },
  sendAt: '2030-01-01T09:00:00+01:00',
  expiresAfter: 3600,
  metadata: { userId: 42 },
};

export const emailExample = {
  id: '123',
  object: 'email',
  status: 'scheduled',
  sendAt: '2030-01-01T08:00:00.000Z',
  expiresAfter: 3600,
  from: 'Acme <noreply@acme.test>',
  replyTo: ['support@acme.test'],
  subject: 'Welcome',
  text: 'Hi Ann',
  html: '<p>Hi Ann</p>',
  headers: { 'X-Campaign': 'onboarding' },
  metadata: { userId: 42 },
  recipients: [
    { address: 'ann@example.com', name: null, kind: 'to', status: 'pending', smtpResponse: null, refusal: null, suppressed: false },
    { address: 'audit@acme.test', name: null, kind: 'bcc', status: 'pending', smtpResponse: null, refusal: null, suppressed: false },
  ],
  version: 1,
  attempts: 0,
  messageId: null,
  failureReason: null,
  lastError: null,
  sentAt: null,
  canceledAt: null,
  createdAt: '2029-12-20T10:15:00.000Z',
  updatedAt: '2029-12-20T10:15:00.000Z',
};

export const updateEmailExample = {
  sendAt: '2030-01-02T09:00:00Z',
  subject: 'Welcome!',
  to: ['ann@example.com', 'ben@example.com'],
  metadata: { step: 2, userId: null },
};

export const batchExample = {
  emails: [
    { idempotencyKey: 'a1', from: 'noreply@acme.test', to: ['ann@example.com'], text: '1' },
    { from: 'noreply@acme.test', to: ['ben@example.com'], text: '2' },
  ],
};

export const eventExample = {
  id: 'evt_0d9c1b6f2f6a4e1c9a3b5d7e8f901234',
  object: 'event',
  type: 'email.scheduled',
  createdAt: '2029-12-20T10:15:00.000Z',
  emailId: '123',
  emailVersion: 1,
  sequence: 1,
  data: { status: 'scheduled', sendAt: '2030-01-01T08:00:00.000Z', recipients: [{ address: 'ann@example.com', kind: 'to' }], metadata: { userId: 42 } },
};

export const suppressionExample = {
  object: 'suppression',
  address: 'ann@example.com',
  reason: 'complaint',
  source: 'api',
  createdAt: '2029-12-20T10:15:00.000Z',
  expiresAt: null,
};
