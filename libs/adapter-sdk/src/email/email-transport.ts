import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { DeliveryTransport, TransportAnswer } from '../delivery/retrying-delivery.js';
import { DedupWindow } from '../delivery/dedup-window.js';
import { TokenBucket } from '../delivery/token-bucket.js';
import { type EmailCondition, type SesFailure, type SmtpFailure, sesAnswer, smtpAnswer } from './email-conditions.js';
import type { EmailEndpoint } from './email-endpoint.js';
import { type EmailMessage, EVENT_ID_HEADER, decodeEmail } from './email-message.js';

export interface EmailTransportOptions {
  endpoint: EmailEndpoint;
  /** The sender: the envelope's MAIL FROM and the From header. */
  from: string;
  /** smtp:// only: 'required' (default) refuses to send without STARTTLS; 'off' never starts TLS (local sinks). */
  startTls?: 'required' | 'off';
  /** Trust for the SMTP server's certificate (PEM); default the system's. */
  ca?: string | Buffer;
  auth?: { user: string; pass: string };
  /** Connections to the SMTP server (messages in flight). Default 4. */
  connections?: number;
  /** Longest wait for the server or SES per attempt (ms). */
  timeoutMs?: number;
  /** ses:// only: another endpoint (a VPC endpoint, or a local one in tests). */
  sesEndpoint?: string;
  sesConfigurationSet?: string;
}

/** The message as SMTP carries it: sender, recipient, subject, text, a Message-ID and the event id header. */
function mailOf(email: EmailMessage, from: string): Mail.Options {
  return {
    from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    messageId: `<${email.id}@hl7-router>`,
    headers: { [EVENT_ID_HEADER]: email.id },
  };
}

/** Email over SMTP (nodemailer, pooled connections). */
export class SmtpTransport implements DeliveryTransport<EmailCondition> {
  readonly spanName = 'smtp send';
  readonly peer: Readonly<Record<string, string | number>>;
  private readonly transporter: Transporter;

  constructor(
    endpoint: Extract<EmailEndpoint, { kind: 'smtp' }>,
    private readonly options: EmailTransportOptions,
  ) {
    this.peer = { 'server.address': endpoint.host, 'server.port': endpoint.port };
    const timeout = options.timeoutMs ?? 30000;
    this.transporter = nodemailer.createTransport({
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.implicitTls,
      requireTLS: !endpoint.implicitTls && options.startTls !== 'off',
      ignoreTLS: !endpoint.implicitTls && options.startTls === 'off',
      pool: true,
      maxConnections: options.connections ?? 4,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      ...(options.auth ? { auth: options.auth } : {}),
      tls: { ...(options.ca ? { ca: options.ca } : {}), minVersion: 'TLSv1.2' },
    });
  }

  async attempt(message: Buffer): Promise<TransportAnswer<EmailCondition>> {
    const email = decodeEmail(message);
    try {
      const info = (await this.transporter.sendMail(mailOf(email, this.options.from))) as { response?: string };
      const response = info.response ?? '';
      return { condition: 'sent', ackCode: /^\d{3}/.exec(response)?.[0] ?? '', detail: '', ack: Buffer.from(response, 'utf8') };
    } catch (error) {
      return smtpAnswer(error as SmtpFailure);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/** Email through Amazon SES v2 SendEmail (raw MIME built by nodemailer's composer; AWS SDK v3). */
export class SesTransport implements DeliveryTransport<EmailCondition> {
  readonly spanName = 'ses send';
  readonly peer: Readonly<Record<string, string | number>>;
  private readonly client: SESv2Client;

  constructor(
    endpoint: Extract<EmailEndpoint, { kind: 'ses' }>,
    private readonly options: EmailTransportOptions,
  ) {
    this.peer = { 'server.address': options.sesEndpoint ? new URL(options.sesEndpoint).host : `email.${endpoint.region}.amazonaws.com` };
    this.client = new SESv2Client({
      region: endpoint.region,
      maxAttempts: 1, // RetryingDelivery retries, with the ledger seeing each attempt
      ...(options.sesEndpoint ? { endpoint: options.sesEndpoint } : {}),
      requestHandler: { requestTimeout: options.timeoutMs ?? 30000 },
    });
  }

  async attempt(message: Buffer, _id: string, signal?: AbortSignal): Promise<TransportAnswer<EmailCondition>> {
    const email = decodeEmail(message);
    const raw = await new MailComposer(mailOf(email, this.options.from)).compile().build();
    try {
      const answer = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [email.to] },
          Content: { Raw: { Data: raw } },
          ...(this.options.sesConfigurationSet ? { ConfigurationSetName: this.options.sesConfigurationSet } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
      return {
        condition: 'sent',
        ackCode: String(answer.$metadata.httpStatusCode ?? 200),
        detail: '',
        ack: Buffer.from(JSON.stringify({ MessageId: answer.MessageId ?? '' }), 'utf8'),
      };
    } catch (error) {
      return sesAnswer(error as SesFailure);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/**
 * An email transport kept to a sending rate (a token bucket) that skips an event already sent to the same recipient
 * within the dedup window (answered `duplicate`, not sent).
 */
export class GuardedEmailTransport implements DeliveryTransport<EmailCondition> {
  readonly spanName: string;
  readonly peer: Readonly<Record<string, string | number>>;

  constructor(
    private readonly inner: DeliveryTransport<EmailCondition>,
    private readonly rate: TokenBucket,
    private readonly sent: DedupWindow,
  ) {
    this.spanName = inner.spanName;
    this.peer = inner.peer;
  }

  async attempt(message: Buffer, id: string, signal?: AbortSignal): Promise<TransportAnswer<EmailCondition>> {
    if (this.sent.seen(id)) return { condition: 'duplicate', ackCode: '', detail: 'sent within the dedup window: not sent again' };
    await this.rate.take();
    const answer = await this.inner.attempt(message, id, signal);
    if (answer.condition === 'sent') this.sent.record(id);
    return answer;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The transport for an endpoint, rate-limited and de-duplicated. */
export function emailTransport(
  options: EmailTransportOptions & { ratePerSecond: number; dedupWindowMs: number },
): DeliveryTransport<EmailCondition> {
  const inner =
    options.endpoint.kind === 'ses' ? new SesTransport(options.endpoint, options) : new SmtpTransport(options.endpoint, options);
  return new GuardedEmailTransport(inner, new TokenBucket(options.ratePerSecond), new DedupWindow(options.dedupWindowMs));
}
