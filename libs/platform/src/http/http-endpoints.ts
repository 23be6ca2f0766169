import http from 'node:http';
import type { Registry } from 'prom-client';
import { scrapeGauge } from './scrape-gauge.js';

export interface HttpEndpointsOptions {
  port: number;
  host?: string;
  registry: Registry;
  /** Readiness: true when the app can do its work (e.g. Kafka reachable). */
  ready: () => Promise<boolean>;
  /** Liveness: false when the process is stuck and only a restart helps (default: it answers, so it lives). */
  live?: () => Promise<boolean>;
}

/**
 * /health/live, /health/ready and /metrics on a small HTTP server (no framework needed for three routes). The
 * registry also gets `hl7_ready` (1 when the readiness check passes at scrape time, else 0): "up but not ready"
 * is what an alert needs, and `up` alone cannot say it.
 */
export class HttpEndpoints {
  private readonly server: http.Server;

  constructor(private readonly options: HttpEndpointsOptions) {
    this.server = http.createServer((req, res) => void this.route(req.url ?? '/', res));
    const ready = options.ready;
    if (!options.registry.getSingleMetric('hl7_ready'))
      scrapeGauge(
        options.registry,
        'hl7_ready',
        'Whether the app passes its readiness check (the one /health/ready answers), read at scrape time',
        () =>
          ready().then(
            (ok) => (ok ? 1 : 0),
            () => 0,
          ),
      );
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '0.0.0.0', () =>
        resolve((this.server.address() as { port: number }).port),
      );
    });
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }

  private async route(url: string, res: http.ServerResponse): Promise<void> {
    try {
      if (url === '/health/live' || url === '/health')
        return (await (this.options.live?.() ?? Promise.resolve(true))) ? send(res, 200, 'ok\n') : send(res, 503, 'not live\n');
      if (url === '/health/ready') return (await this.options.ready()) ? send(res, 200, 'ready\n') : send(res, 503, 'not ready\n');
      if (url === '/metrics') return send(res, 200, await this.options.registry.metrics(), this.options.registry.contentType);
      send(res, 404, 'not found\n');
    } catch {
      send(res, 500, 'error\n');
    }
  }
}

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
