import { scrapeGauge } from '@lib/platform';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RouterCounters } from '../topology/router-topology.js';

/**
 * Prometheus metrics of the router. Counted while a batch is processed, so a batch whose transaction aborts and is
 * processed again counts twice: these are operational counts, the topics are the record. Labels carry no patient data.
 */
export class RouterMetrics implements RouterCounters {
  readonly registry = new Registry();
  private readonly routedTotal = new Counter({
    name: 'hl7_router_routed_total',
    help: 'Messages written to a target topic, by target',
    labelNames: ['target'],
    registers: [this.registry],
  });
  private readonly duplicates = new Counter({
    name: 'hl7_router_duplicates_dropped_total',
    help: 'Resends (same sender, control ID and content within the window) not routed again',
    registers: [this.registry],
  });
  private readonly reused = new Counter({
    name: 'hl7_router_control_id_reused_total',
    help: 'Messages with a control ID seen before but other content (routed)',
    registers: [this.registry],
  });
  private readonly unmatchedTotal = new Counter({
    name: 'hl7_router_unmatched_total',
    help: 'Messages no target matched (they stay on the ADT topic)',
    registers: [this.registry],
  });
  private readonly awaiting = new Counter({
    name: 'hl7_router_awaiting_bootstrap_total',
    help: 'Matching messages held back from an after-bootstrap target not yet bootstrapped in that partition',
    labelNames: ['target'],
    registers: [this.registry],
  });
  private readonly snapshotsTotal = new Counter({
    name: 'hl7_router_bootstrap_snapshots_total',
    help: 'Patient snapshots written by bootstrap requests, by target',
    labelNames: ['target'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'hl7_router_dead_lettered_total',
    help: 'Records sent to the dead-letter topic, by stage',
    labelNames: ['stage'],
    registers: [this.registry],
  });

  private readonly transactions = new Counter({
    name: 'hl7_router_transactions_total',
    help: 'Batches ended: committed (outputs and input offsets in one transaction), or aborted (read again)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly transactionSeconds = new Histogram({
    name: 'hl7_router_transaction_seconds',
    help: "From a batch's first record to its commit (or abort)",
    labelNames: ['outcome'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly batchWaitSeconds = new Histogram({
    name: 'hl7_router_batch_wait_seconds',
    help: "From a batch's first record's timestamp (its write to the input topic) to the start of the batch's processing",
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(lag: () => Promise<number | undefined>) {
    collectDefaultMetrics({ register: this.registry });
    scrapeGauge(
      this.registry,
      'hl7_router_consumer_lag',
      'Records on the input topics not yet committed by the router group (read at scrape time)',
      lag,
    );
  }

  /** A batch's end (KafkaStreams' onBatchEnd). */
  transaction(outcome: 'committed' | 'aborted', seconds: number, waitedSeconds: number): void {
    this.transactions.inc({ outcome });
    this.transactionSeconds.observe({ outcome }, seconds);
    // A writer's clock ahead of ours would make it negative: counted as no wait rather than dropped.
    this.batchWaitSeconds.observe(Math.max(0, waitedSeconds));
  }

  routed(target: string): void {
    this.routedTotal.inc({ target });
  }
  duplicate(): void {
    this.duplicates.inc();
  }
  controlIdReused(): void {
    this.reused.inc();
  }
  unmatched(): void {
    this.unmatchedTotal.inc();
  }
  awaitingBootstrap(target: string): void {
    this.awaiting.inc({ target });
  }
  snapshots(target: string, count: number): void {
    this.snapshotsTotal.inc({ target }, count);
  }
}
