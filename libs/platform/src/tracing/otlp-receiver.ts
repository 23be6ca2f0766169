import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type ReceivedSpan, OtlpJsonError, spansFromOtlpJson } from './otlp-json.js';

export interface OtlpReceiverOptions {
  /** Default 0 (any free port); 4318 is OTLP/HTTP's usual port. */
  port?: number;
  host?: string;
  /** Largest request body accepted (default 16 MiB). */
  maxBodyBytes?: number;
}

/**
 * An OTLP/HTTP trace receiver for JSON (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`): POST /v1/traces, optionally
 * gzip-compressed. For the trace test and `npm run traces` on a machine without a collector; in production the apps
 * export to a real one (an OpenTelemetry Collector, Jaeger, Tempo). Protobuf requests get 415 with the setting to
 * change. Emits 'spans' with each request's spans.
 */
export class OtlpJsonReceiver extends EventEmitter<{ spans: [ReceivedSpan[]]; invalid: [string] }> {
  /** Every span received, in arrival order. */
  readonly spans: ReceivedSpan[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {
    super();
  }

  static async start(options: OtlpReceiverOptions = {}): Promise<OtlpJsonReceiver> {
    const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    // Set once listening; requests cannot arrive before.
    const self: { receiver?: OtlpJsonReceiver } = {};
    const server = http.createServer((request, response) => {
      const answer = (status: number, body: object) => {
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || request.url?.split('?')[0] !== '/v1/traces') return answer(404, { message: 'POST /v1/traces only' });
      if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
        self.receiver?.emit('invalid', `content-type ${request.headers['content-type'] ?? '(none)'}`);
        return answer(415, { message: 'this receiver reads OTLP/JSON: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json' });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) request.destroy();
        else chunks.push(chunk);
      });
      request.on('end', () => {
        try {
          const raw = Buffer.concat(chunks);
          const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          const spans = spansFromOtlpJson(JSON.parse(body.toString('utf8')));
          self.receiver!.spans.push(...spans);
          self.receiver!.emit('spans', spans);
          answer(200, {});
        } catch (error) {
          const reason = error instanceof OtlpJsonError ? error.message : error instanceof Error ? error.name : 'unreadable body';
          self.receiver?.emit('invalid', reason);
          answer(400, { message: reason });
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = server.address() as AddressInfo;
    self.receiver = new OtlpJsonReceiver(server, `http://${address.includes(':') ? `[${address}]` : address}:${port}`);
    return self.receiver;
  }

  /** The spans of one trace received so far. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
