// Email delivery against a real SMTP server (aiosmtpd, STARTTLS with a throw-away CA) and a local SES v2 endpoint that
// checks every request's SigV4 signature: what arrives, each answer's condition, retries, dead ends, dedup, and that
// nothing is sent in plain text when STARTTLS is required.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeTestPki, type TestPki } from '@lib/mllp/testing';
import { SesEndpoint } from '../../../../test/support/ses-endpoint.js';
import { SmtpSink } from '../../../../test/support/smtp-sink.js';
import { type AttemptEvent, RetryingDelivery } from '../delivery/retrying-delivery.js';
import { DEFAULT_EMAIL_ACTIONS, type EmailCondition } from './email-conditions.js';
import { type EmailEndpoint, parseEmailUrl } from './email-endpoint.js';
import { encodeEmail, type EmailMessage } from './email-message.js';
import { emailTransport } from './email-transport.js';

const FROM = 'notify@hospital.example.org';
const email = (id: string, to: string): EmailMessage => ({
  id,
  to,
  subject: `Admission at GENHOSP (${id})`,
  text: 'A patient of yours was admitted.\n',
});

function delivery(endpoint: EmailEndpoint, extra: { ca?: string; startTls?: 'required' | 'off'; sesEndpoint?: string } = {}) {
  const events: AttemptEvent<EmailCondition>[] = [];
  const transport = emailTransport({ endpoint, from: FROM, ratePerSecond: 50, dedupWindowMs: 60_000, timeoutMs: 5000, ...extra });
  const d = new RetryingDelivery(transport, {
    actions: DEFAULT_EMAIL_ACTIONS,
    retry: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 5 },
    onAttempt: (e) => events.push(e),
  });
  const send = (e: EmailMessage) => d.deliver(encodeEmail(e), e.id);
  return { send, events, close: () => d.close() };
}

describe('email over SMTP (aiosmtpd, STARTTLS)', () => {
  let pki: TestPki;
  let sink: SmtpSink;
  let smtp: ReturnType<typeof delivery>;
  beforeAll(async () => {
    pki = await writeTestPki(mkdtempSync(join(tmpdir(), 'smtp-pki-')), 'smtp');
    sink = await SmtpSink.start({ certFile: pki.certFile, keyFile: pki.keyFile });
    smtp = delivery(parseEmailUrl(`smtp://127.0.0.1:${sink.port}`)!, { ca: pki.ca });
  }, 60000);
  afterAll(async () => {
    await smtp?.close();
    await sink?.stop();
  });

  it('sends over TLS: the envelope, the sender, the subject, the event id header and a Message-ID from it', async () => {
    expect(await smtp.send(email('env-1.a1', 'pcp@clinic.example.org'))).toMatchObject({
      status: 'delivered',
      attempts: 1,
      condition: 'sent',
    });
    const [mail] = sink.mails();
    expect(mail).toMatchObject({ mailfrom: FROM, rcpttos: ['pcp@clinic.example.org'], tls: true });
    // Header names are case-insensitive (RFC 5322); nodemailer writes this one X-Hl7router-Event-ID.
    expect(mail!.data).toMatch(/^X-HL7Router-Event-Id: env-1\.a1$/im);
    expect(mail!.data).toMatch(/^Message-ID: <env-1\.a1@hl7-router>$/m);
    expect(mail!.data).toMatch(/^Subject: Admission at GENHOSP \(env-1\.a1\)$/m);
    expect(mail!.data).toContain('A patient of yours was admitted.');
    expect(smtp.events.at(-1)).toMatchObject({ condition: 'sent', ackCode: '250' });
    expect(smtp.events.at(-1)!.ack!.toString()).toMatch(/^250 2\.0\.0 queued as/);
  });

  it('does not send an event to the same recipient twice within the dedup window', async () => {
    const before = sink.mails().length;
    expect(await smtp.send(email('env-1.a1', 'pcp@clinic.example.org'))).toMatchObject({ status: 'delivered', condition: 'duplicate' });
    expect(sink.mails()).toHaveLength(before);
  });

  it('retries a 451 (throttled) and then sends once', async () => {
    const before = sink.mails().length;
    expect(await smtp.send(email('env-2.b2', 'throttle-once-dr@clinic.example.org'))).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(smtp.events.slice(-2).map((e) => `${e.condition}:${e.status}:${e.ackCode}`)).toEqual([
      'throttled:retrying:451',
      'sent:delivered:250',
    ]);
    expect(sink.mails()).toHaveLength(before + 1);
  });

  it.each([
    ['bad-dr@clinic.example.org', 'bad-address', 'SMTP 550 5.1.1 at RCPT TO'],
    ['reject-dr@clinic.example.org', 'rejected', 'SMTP 554 5.7.1 at DATA'],
  ])('gives up at once on a permanent refusal: %s is %s', async (to, condition, detail) => {
    const before = sink.mails().length;
    expect(await smtp.send(email(`env-3.${condition}`, to))).toMatchObject({ status: 'dead', attempts: 1, condition, detail });
    expect(sink.mails()).toHaveLength(before);
  });

  it('never sends in plain text when STARTTLS is required and the server does not offer it', async () => {
    const plain = await SmtpSink.start({ tls: false });
    const strict = delivery(parseEmailUrl(`smtp://127.0.0.1:${plain.port}`)!);
    try {
      const result = await strict.send(email('env-4.c4', 'pcp@clinic.example.org'));
      expect(result).toMatchObject({ status: 'dead', condition: 'transient' });
      expect(plain.mails()).toEqual([]);
      // With STARTTLS explicitly off (a local sink only), the same server gets it.
      const lax = delivery(parseEmailUrl(`smtp://127.0.0.1:${plain.port}`)!, { startTls: 'off' });
      expect(await lax.send(email('env-4.c4', 'pcp@clinic.example.org'))).toMatchObject({ status: 'delivered' });
      await lax.close();
      expect(plain.mails()).toEqual([expect.objectContaining({ tls: false })]);
    } finally {
      await strict.close();
      await plain.stop();
    }
  }, 60000);
});

describe('email through Amazon SES v2 (a local endpoint checking SigV4)', () => {
  const credentials = { accessKeyId: 'AKIDTESTNOTIFY', secretAccessKey: 'test-secret-for-sigv4-checks' };
  let ses: SesEndpoint;
  const saved = { ...process.env };
  beforeAll(async () => {
    ses = await SesEndpoint.start(credentials, 'eu-west-1');
    process.env['AWS_ACCESS_KEY_ID'] = credentials.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = credentials.secretAccessKey;
  });
  afterAll(async () => {
    process.env = saved;
    await ses?.stop();
  });

  it('sends the raw MIME message, signed, and keeps the MessageId as the answer', async () => {
    const d = delivery({ kind: 'ses', region: 'eu-west-1' }, { sesEndpoint: ses.url });
    try {
      expect(await d.send(email('env-5.d5', 'pcp@clinic.example.org'))).toMatchObject({
        status: 'delivered',
        condition: 'sent',
        ackCode: '200',
      });
      expect(ses.refusedSignatures).toEqual([]);
      const [accepted] = ses.accepted;
      expect(accepted!.request).toMatchObject({ FromEmailAddress: FROM, Destination: { ToAddresses: ['pcp@clinic.example.org'] } });
      expect(accepted!.raw).toMatch(/^X-HL7Router-Event-Id: env-5\.d5\r?$/im);
      expect(JSON.parse(d.events.at(-1)!.ack!.toString())).toEqual({ MessageId: '0100-fake-1' });
      // Throttled (429 TooManyRequestsException) then sent; MessageRejected is final.
      expect(await d.send(email('env-6.e6', 'throttle-once-dr@clinic.example.org'))).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(d.events.slice(-2).map((e) => `${e.condition}:${e.detail}`)).toEqual([
        'throttled:SES TooManyRequestsException (HTTP 429)',
        'sent:',
      ]);
      expect(await d.send(email('env-7.f7', 'reject-dr@clinic.example.org'))).toMatchObject({
        status: 'dead',
        attempts: 1,
        condition: 'rejected',
        detail: 'SES MessageRejected (HTTP 400)',
      });
    } finally {
      await d.close();
    }
  });

  it('is refused (and retried, not sent) when its signature is not the expected credentials', async () => {
    process.env['AWS_SECRET_ACCESS_KEY'] = 'another-secret';
    const d = delivery({ kind: 'ses', region: 'eu-west-1' }, { sesEndpoint: ses.url });
    try {
      const before = ses.accepted.length;
      expect(await d.send(email('env-8.g8', 'pcp@clinic.example.org'))).toMatchObject({ status: 'dead', condition: 'transient' });
      expect(ses.accepted).toHaveLength(before);
      expect(ses.refusedSignatures.length).toBeGreaterThan(0);
    } finally {
      process.env['AWS_SECRET_ACCESS_KEY'] = credentials.secretAccessKey;
      await d.close();
    }
  });
});
