import { describe, expect, it } from '@jest/globals';
import { AdapterMetrics } from './adapter-metrics.js';

async function value(metrics: AdapterMetrics, name: string): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values[0]?.value;
}

describe('AdapterMetrics', () => {
  it('reports the age of the oldest record in flight, and 0 once none is', async () => {
    let now = 1_000_000;
    const metrics = new AdapterMetrics(() => now);
    expect(await value(metrics, 'hl7_adapter_oldest_in_flight_age_seconds')).toBe(0);
    const first = metrics.working(now - 90_000); // routed 90 s ago, still retrying
    const second = metrics.working(now - 5_000);
    expect(await value(metrics, 'hl7_adapter_oldest_in_flight_age_seconds')).toBe(90);
    expect(await value(metrics, 'hl7_adapter_in_flight')).toBe(2);
    now += 30_000;
    expect(await value(metrics, 'hl7_adapter_oldest_in_flight_age_seconds')).toBe(120);
    first();
    first(); // finishing twice counts once
    expect(await value(metrics, 'hl7_adapter_oldest_in_flight_age_seconds')).toBe(35);
    expect(await value(metrics, 'hl7_adapter_in_flight')).toBe(1);
    second();
    expect(await value(metrics, 'hl7_adapter_oldest_in_flight_age_seconds')).toBe(0);
    expect(await value(metrics, 'hl7_adapter_in_flight')).toBe(0);
  });

  it('reads the consumer lag at scrape time, and keeps the last value when the broker does not answer', async () => {
    const metrics = new AdapterMetrics();
    let answer: () => Promise<number> = () => Promise.resolve(42);
    metrics.watchLag(() => answer());
    expect(await value(metrics, 'hl7_adapter_consumer_lag')).toBe(42);
    answer = () => Promise.reject(new Error('broker down'));
    expect(await value(metrics, 'hl7_adapter_consumer_lag')).toBe(42);
  });
});
