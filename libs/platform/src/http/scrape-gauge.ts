import { Gauge, type Registry } from 'prom-client';

/**
 * A gauge whose value is read when Prometheus scrapes (consumer lag, readiness), not kept up to date in between.
 * When `read` fails or gives undefined, the gauge keeps its last value.
 */
export function scrapeGauge(registry: Registry, name: string, help: string, read: () => Promise<number | undefined>): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      const value = await read().catch(() => undefined);
      if (value !== undefined) this.set(value);
    },
  });
}
