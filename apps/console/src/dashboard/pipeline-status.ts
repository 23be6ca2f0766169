import type { KafkaClient, TopicAdmin } from '@lib/kafka';
import type { DeliveryAttempt, MessageIndex } from '../message-index/message-index.js';

export interface TargetStatus {
  target: string;
  /** Copies delivered (ACKED) in the last minute, and per minute over the last ten. */
  deliveredLastMinute: number;
  deliveredPerMinute: number;
  /** The adapter group's lag on the route topic, as Kafka counts it (transaction markers included); undefined: unknown. */
  lag: number | undefined;
  /** Age of the oldest routed record the adapter has not committed yet; 0 when none; undefined: unknown. */
  oldestUndeliveredSeconds: number | undefined;
  deadLettersWaiting: number;
  lastAttempt: DeliveryAttempt | undefined;
  /**
   * up to date, catching up (undelivered records, last attempt fine), retrying (the last attempt failed), held (the
   * last attempt failed with its retries used up and HOLD_ON_FAILURE on: it goes on trying, the patient's queue waits),
   * unknown.
   */
  state: 'up to date' | 'catching up' | 'retrying' | 'held' | 'unknown';
}

export interface AppHealth {
  app: string;
  url: string;
  /** ready (200), not ready (503 or another answer), unreachable. */
  state: 'ready' | 'not ready' | 'unreachable';
}

export interface PipelineSnapshot {
  at: number;
  targets: TargetStatus[];
  apps: AppHealth[];
}

export interface PipelineStatusOptions {
  index: MessageIndex;
  kafka: KafkaClient;
  targets: readonly { name: string; routeTopic: string; groupId: string }[];
  appUrls: Readonly<Record<string, string>>;
  /** Snapshots are reused this long (several browsers refreshing cost one look). Default 5 s. */
  cacheMs?: number;
}

/**
 * What the dashboard shows, gathered when asked (at most every cacheMs): per target the index's delivery counts and
 * dead letters, the adapter group's lag from Kafka and the age of its oldest uncommitted record (read by offset), and
 * each configured app's readiness.
 */
export class PipelineStatus {
  private admin: TopicAdmin | undefined;
  private cached: { at: number; snapshot: Promise<PipelineSnapshot> } | undefined;

  constructor(private readonly options: PipelineStatusOptions) {}

  snapshot(now = Date.now()): Promise<PipelineSnapshot> {
    if (!this.cached || now - this.cached.at >= (this.options.cacheMs ?? 5000)) {
      const snapshot = this.gather(now);
      snapshot.catch(() => (this.cached = undefined));
      this.cached = { at: now, snapshot };
    }
    return this.cached.snapshot;
  }

  async stop(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }

  private async gather(now: number): Promise<PipelineSnapshot> {
    const [targets, apps] = await Promise.all([
      Promise.all(this.options.targets.map((t) => this.target(t, now))),
      Promise.all(Object.entries(this.options.appUrls).map(([app, url]) => health(app, url))),
    ]);
    return { at: now, targets, apps };
  }

  private async target(t: { name: string; routeTopic: string; groupId: string }, now: number): Promise<TargetStatus> {
    const { index } = this.options;
    const lastMinute = (await index.deliveryActivity(t.name, now - 60_000)).delivered;
    const { delivered, lastAttempt } = await index.deliveryActivity(t.name, now - 600_000);
    const backlog = await this.backlog(t, now).catch(() => undefined);
    const failing = lastAttempt !== undefined && lastAttempt.status !== 'ACKED' && lastAttempt.status !== 'SKIPPED';
    const state: TargetStatus['state'] = !backlog
      ? 'unknown'
      : !backlog.undelivered
        ? 'up to date'
        : lastAttempt?.status === 'HELD'
          ? 'held'
          : failing
            ? 'retrying'
            : 'catching up';
    return {
      target: t.name,
      deliveredLastMinute: lastMinute,
      deliveredPerMinute: Math.round((delivered / 10) * 10) / 10,
      lag: backlog?.lag,
      oldestUndeliveredSeconds: backlog?.oldestSeconds,
      deadLettersWaiting: await index.deadLettersWaiting(t.name),
      lastAttempt,
      state,
    };
  }

  /** Lag per partition from the group's committed offsets; the oldest uncommitted record's age from its timestamp. */
  private async backlog(
    t: { routeTopic: string; groupId: string },
    now: number,
  ): Promise<{ lag: number; oldestSeconds: number; undelivered: boolean }> {
    if (!this.admin) {
      const admin = this.options.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const [ends, committed] = await Promise.all([
      this.admin.endOffsets(t.routeTopic),
      this.admin.committedOffsets(t.groupId, t.routeTopic),
    ]);
    let lag = 0;
    let oldest = now;
    let undelivered = false;
    for (const end of ends) {
      const from = BigInt(committed.find((c) => c.partition === end.partition)?.offset ?? '-1');
      const start = from < 0n ? 0n : from;
      const behind = BigInt(end.offset) - start;
      if (behind <= 0n) continue;
      lag += Number(behind);
      const record = await this.options.kafka.readRecord(
        { topic: t.routeTopic, partition: end.partition, offset: String(start) },
        { atOrAfter: true, timeoutMs: 5000 },
      );
      // Only transaction markers behind the committed offset: nothing to deliver.
      if (!record) continue;
      undelivered = true;
      oldest = Math.min(oldest, Number(record.timestamp));
    }
    return { lag, oldestSeconds: Math.max(0, Math.round((now - oldest) / 1000)), undelivered };
  }
}

async function health(app: string, url: string): Promise<AppHealth> {
  try {
    const response = await fetch(new URL('/health/ready', url), { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return { app, url, state: response.status === 200 ? 'ready' : 'not ready' };
  } catch {
    return { app, url, state: 'unreachable' };
  }
}
