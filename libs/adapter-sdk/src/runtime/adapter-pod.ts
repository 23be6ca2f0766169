import { groupLag } from '@lib/kafka';
import { HttpEndpoints, type Logger } from '@lib/platform';
import type { Adapter } from '../define-adapter.js';
import type { AdapterConfig } from './adapter-config.js';
import { type AdapterEffects, openAdapterEffects } from './adapter-effects.js';
import type { AdapterMetrics } from './adapter-metrics.js';
import { PodRunner } from './pod-runner.js';
import { describeTarget } from './adapter-config.js';

/** An adapter running as a pod: consumer group on its routed topic, MLLP delivery, ledger, dead letters, health. */
export class AdapterPod {
  private constructor(
    private readonly runner: PodRunner,
    private readonly effects: AdapterEffects,
    private readonly http: HttpEndpoints,
    private readonly log: Logger,
    readonly httpPort: number,
    readonly metrics: AdapterMetrics,
  ) {}

  static async start(
    adapter: Adapter,
    config: AdapterConfig,
    log: Logger,
    onFailure: (error: unknown) => void = () => undefined,
  ): Promise<AdapterPod> {
    const effects = await openAdapterEffects(adapter, config, log);
    const { kafka, processor, metrics } = effects;
    const { target } = config;
    const runner = new PodRunner(
      kafka,
      async (record, signal) => {
        const done = metrics.working(Number(record.timestamp));
        try {
          metrics.outcomes.inc({ outcome: await processor.process(record, signal) });
        } finally {
          done();
        }
      },
      {
        groupId: config.GROUP_ID,
        topic: config.SOURCE_TOPIC,
        maxInFlight: config.MAX_IN_FLIGHT,
        ordering: config.ORDERING,
        log: (level, message, context) => log[level]({ runner: context }, message),
        onFailure,
      },
    );
    await runner.start();
    metrics.watchLag(() => groupLag(effects.admin, config.GROUP_ID, [config.SOURCE_TOPIC]));
    const http = new HttpEndpoints({
      port: config.HTTP_PORT,
      registry: metrics.registry,
      // Live: the consumer is not stalled (a stalled one is being rebuilt; past the bound the kubelet restarts us).
      live: () =>
        Promise.resolve(runner.error === undefined && runner.status()?.stalled !== true && effects.tables.status()?.stalled !== true),
      // Ready: in the group and consuming.
      ready: () => Promise.resolve(runner.error === undefined && runner.status()?.state === 'running'),
    });
    const httpPort = await http.listen();
    log.info(
      {
        adapter: adapter.name,
        source: config.SOURCE_TOPIC,
        target: describeTarget(target),
        httpPort,
      },
      'adapter running',
    );
    return new AdapterPod(runner, effects, http, log, httpPort, metrics);
  }

  get handled(): number {
    return this.runner.handled;
  }

  /** Stops taking records, cuts waiting retries short (those records stay uncommitted), commits, disconnects. */
  async stop(): Promise<void> {
    this.log.info('adapter stopping');
    await this.runner.stop(() => this.effects.delivery.close());
    await this.effects.close();
    await this.http.close();
    this.log.info('adapter stopped');
  }
}
