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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
