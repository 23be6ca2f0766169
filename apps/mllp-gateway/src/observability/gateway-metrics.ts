import type { ServerEvent } from '@lib/mllp';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IntakeMetrics } from '../intake/intake-ports.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Prometheus metrics of the gateway, on their own registry. Labels never carry patient data. */
export class GatewayMetrics implements IntakeMetrics {
  readonly registry = new Registry();
  private readonly messages = new Counter({
    name: 'hl7_gateway_messages_total',
    help: 'Messages answered, by MSH-9.1 type and ACK code',
    labelNames: ['type', 'ack'],
    registers: [this.registry],
  });
  private readonly bytes = new Counter({
    name: 'hl7_gateway_frame_bytes_total',
    help: 'Payload bytes of complete MLLP frames received',
    registers: [this.registry],
  });
  private readonly ack = new Histogram({
    name: 'hl7_gateway_ack_latency_seconds',
    help: 'From a complete frame to its ACK being ready',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly kafka = new Histogram({
    name: 'hl7_gateway_kafka_write_seconds',
    help: 'Kafka write (acks=all) latency, by outcome',
    labelNames: ['outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly rejections = new Counter({
    name: 'hl7_gateway_rejected_total',
    help: 'Frames or messages refused, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly duplicates = new Counter({
    name: 'hl7_gateway_duplicates_total',
    help: 'Resends answered with their original ACK',
    registers: [this.registry],
  });
  private readonly connections = new Gauge({
    name: 'hl7_gateway_open_connections',
    help: 'Open MLLP connections',
    registers: [this.registry],
  });

  constructor() {
    // Node's own process metrics (CPU, RSS, heap, GC, event-loop lag): what an operator looks at first.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  message(type: string, ackCode: string): void {
    this.messages.inc({ type, ack: ackCode });
  }
  frameBytes(bytes: number): void {
    this.bytes.inc(bytes);
  }
  ackLatency(seconds: number): void {
    this.ack.observe(seconds);
  }
  kafkaWrite(seconds: number, ok: boolean): void {
    this.kafka.observe({ outcome: ok ? 'ok' : 'failed' }, seconds);
  }
  rejected(reason: string): void {
    this.rejections.inc({ reason });
  }
  duplicate(): void {
    this.duplicates.inc();
  }

  /** Connection-level events of the MLLP server. */
  serverEvent(event: ServerEvent): void {
    if (event.type === 'connection-opened' || event.type === 'connection-closed') this.connections.set(event.open);
    else if (event.type === 'junk') this.rejections.inc({ reason: `junk-${event.reason}` });
    else if (event.type === 'connection-refused') this.rejections.inc({ reason: `connection-${event.reason}` });
    else if (event.type === 'tls-error') this.rejections.inc({ reason: 'tls-handshake' });
  }
}
