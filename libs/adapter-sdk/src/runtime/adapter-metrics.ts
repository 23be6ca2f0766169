import { scrapeGauge } from '@lib/platform';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of an adapter (labels carry no patient data). */
export class AdapterMetrics {
  readonly registry = new Registry();
  readonly outcomes = new Counter({
    name: 'hl7_adapter_records_total',
    help: 'Routed records finished, by outcome (delivered, dead-lettered, skipped)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'hl7_adapter_attempts_total',
    help: 'Send attempts by answer (AA, AE, AR, CA, CE, CR, timeout, connection, mismatch, garbled)',
    labelNames: ['condition'],
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'hl7_adapter_ack_latency_seconds',
    help: 'Send to answer, per attempt',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({ name: 'hl7_adapter_in_flight', help: 'Records being worked on', registers: [this.registry] });
  /** Kafka timestamps (ms) of the records being worked on, by a token per record. */
  private readonly workingSince = new Map<symbol, number>();

  constructor(private readonly clock: () => number = Date.now) {
    collectDefaultMetrics({ register: this.registry });
    const working = this.workingSince;
    new Gauge({
      name: 'hl7_adapter_oldest_in_flight_age_seconds',
      help: 'Age (since the router wrote it) of the oldest record being delivered or retried; 0 when none',
      registers: [this.registry],
      collect() {
        let oldest = Infinity;
        for (const at of working.values()) oldest = Math.min(oldest, at);
        this.set(oldest === Infinity ? 0 : Math.max(0, (clock() - oldest) / 1000));
      },
    });
  }

  /** A record is being worked on (delivery, retries): counted in flight until the returned function is called. */
  working(recordTimestampMs: number): () => void {
    const token = Symbol('record');
    this.workingSince.set(token, recordTimestampMs);
    this.inFlight.inc();
    return () => {
      if (this.workingSince.delete(token)) this.inFlight.dec();
    };
  }

  /** Adds `hl7_adapter_consumer_lag`, read at scrape time (pods only: a Lambda's source is not a group it owns). */
  watchLag(lag: () => Promise<number>): void {
    scrapeGauge(
      this.registry,
      'hl7_adapter_consumer_lag',
      "Records on the routed topic not yet committed by the adapter's consumer group (read at scrape time)",
      lag,
    );
  }
}
