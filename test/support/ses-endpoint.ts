import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';

/** An email SES accepted: the request's JSON, and the raw MIME message it carried. */
export interface SesAcceptedEmail {
  request: { FromEmailAddress?: string; Destination?: { ToAddresses?: string[] }; ConfigurationSetName?: string };
  raw: string;
}

/** SHA-256 (and HMAC-SHA-256 with a secret) in the shape SignatureV4 takes, on node:crypto. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

/**
 * A local stand-in for Amazon SES v2's SendEmail (AWS cannot run here), to its documented wire format: `POST
 * /v2/email/outbound-emails` with a JSON body (raw content base64), answered 200 `{"MessageId"}`, or the REST-JSON
 * error shape (status, `x-amzn-ErrorType`, `{"message"}`). Every request's SigV4 signature is checked by signing the
 * request again with the test credentials (@smithy/signature-v4): a request that is not signed by them is 403
 * InvalidSignatureException. Scripted by recipient: throttle-once-… gets 429 TooManyRequestsException once,
 * reject-… 400 MessageRejected.
 */
export class SesEndpoint {
  readonly accepted: SesAcceptedEmail[] = [];
  readonly refusedSignatures: string[] = [];
  private readonly throttled = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly credentials: { accessKeyId: string; secretAccessKey: string },
    private readonly region: string,
  ) {}

  static async start(credentials: { accessKeyId: string; secretAccessKey: string }, region: string): Promise<SesEndpoint> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = new SesEndpoint(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials, region);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void endpoint.handle(request, response));
    return endpoint;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const fail = (status: number, type: string, message: string) => {
      response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': 'fake' });
      response.end(JSON.stringify({ message }));
    };
    if (!(await this.signatureValid(request, body))) {
      this.refusedSignatures.push(String(request.headers.authorization ?? '(none)'));
      return fail(403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
    }
    if (request.method !== 'POST' || request.url !== '/v2/email/outbound-emails')
      return fail(404, 'NotFoundException', 'no such operation');
    const parsed = JSON.parse(body) as SesAcceptedEmail['request'] & { Content?: { Raw?: { Data?: string } } };
    const to = parsed.Destination?.ToAddresses?.[0] ?? '';
    const local = to.split('@')[0]!;
    if (local.startsWith('throttle-once-') && !this.throttled.has(to)) {
      this.throttled.add(to);
      return fail(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
    }
    if (local.startsWith('reject-')) return fail(400, 'MessageRejected', 'Email address is not verified.');
    const { Content, ...rest } = parsed;
    this.accepted.push({ request: rest, raw: Buffer.from(Content?.Raw?.Data ?? '', 'base64').toString('utf8') });
    response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'fake' });
    response.end(JSON.stringify({ MessageId: `0100-fake-${this.accepted.length}` }));
  }

  /** Signs the request again as the SDK should have (the headers it says it signed, its x-amz-date) and compares. */
  private async signatureValid(request: IncomingMessage, body: string): Promise<boolean> {
    const authorization = String(request.headers.authorization ?? '');
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/ses\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        authorization,
      );
    if (!match || match[1] !== this.credentials.accessKeyId || match[3] !== this.region) return false;
    const signed = match[4]!.split(';');
    const headers: Record<string, string> = {};
    for (const name of signed) headers[name] = String(request.headers[name] ?? '');
    const url = new URL(request.url ?? '/', this.url);
    const signer = new SignatureV4({ credentials: this.credentials, region: this.region, service: 'ses', sha256: Sha256 });
    const amzDate = headers['x-amz-date'] ?? '';
    const date = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const again = await signer.sign(
      {
        method: request.method ?? 'GET',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: {},
        headers,
        body,
      },
      { signingDate: date },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(again.headers['authorization']))?.[1] ?? '';
    return expected.length === 64 && timingSafeEqual(Buffer.from(expected), Buffer.from(match[5]!));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
