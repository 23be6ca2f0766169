import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type BeforeApplicationShutdown,
  Controller,
  type DynamicModule,
  Get,
  Header,
  HttpException,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DELIVERY_EVENT_SCHEMA, type DeliveryEvent } from '@lib/adapter-sdk/tools';
import { openKafka } from '@lib/envelope';
import { avroSerde, groupLag, type KafkaLogSink, retryTransient, type TopicAdmin, topicValueSubject } from '@lib/kafka';
import { kafkaConnection, type Logger, schemaRegistryConnection, scrapeGauge } from '@lib/platform';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { MessagesController } from './api/messages.controller.js';
import type { ConsoleConfig } from './console-config.js';
import { CONSOLE_CONFIG, CONSOLE_LOG } from './console-tokens.js';
import { MessageIndex } from './message-index/message-index.js';
import { MessageIndexer } from './message-index/message-indexer.js';

/** Keeps the index current from Kafka while the app runs; its lag and progress on /metrics. */
@Injectable()
export class ConsoleIndexing implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly registry = new Registry();
  private indexer: MessageIndexer | undefined;
  private admin: TopicAdmin | undefined;
  private readonly indexed = new Counter({
    name: 'hl7_console_indexed_records_total',
    help: 'Records of the pipeline topics applied to the index',
    registers: [this.registry],
  });

  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    @Inject(CONSOLE_LOG) private readonly log: Logger,
    @Inject(MessageIndex) private readonly index: MessageIndex,
  ) {
    collectDefaultMetrics({ register: this.registry });
  }

  get groupId(): string {
    return `${this.config.GROUP_ID}-${this.index.generation}`;
  }

  /** Ready once the index's consumer runs (the index may still be catching up: hl7_console_index_lag says how far). */
  ready(): boolean {
    return this.indexer?.status()?.state === 'running';
  }

  async onApplicationBootstrap(): Promise<void> {
    const kafkaLog: KafkaLogSink = (level, message, context) => this.log[level]({ kafka: context }, message);
    const { client, registry, envelopeSerde } = openKafka({
      kafka: kafkaConnection(this.config),
      registry: schemaRegistryConnection(this.config),
      log: kafkaLog,
    });
    const untilUp = <T>(what: string, step: () => Promise<T>) => retryTransient(what, step, { log: kafkaLog });
    const envelopes = await untilUp('envelope serde', () => envelopeSerde(this.config.ADT_TOPIC));
    const deliveries = await untilUp('ledger serde', () =>
      avroSerde<DeliveryEvent>(registry, topicValueSubject(this.config.LEDGER_TOPIC), DELIVERY_EVENT_SCHEMA),
    );
    const topics = {
      adt: this.config.ADT_TOPIC,
      quarantine: this.config.QUARANTINE_TOPIC,
      ledger: this.config.LEDGER_TOPIC,
      targets: this.config.targets,
    };
    this.admin = client.admin();
    await untilUp('admin connect', () => this.admin!.connect());
    const all = [topics.adt, topics.quarantine, topics.ledger, ...topics.targets.flatMap((t) => [t.routeTopic, t.deadLetterTopic])];
    scrapeGauge(this.registry, 'hl7_console_index_lag', 'Records of the pipeline topics not yet in the index (read at scrape time)', () =>
      groupLag(this.admin!, this.groupId, all),
    );
    this.indexer = new MessageIndexer({
      kafka: client,
      index: this.index,
      topics,
      groupId: this.groupId,
      envelopes,
      deliveries,
      mrnHashKey: this.config.LOG_HASH_KEY,
      log: kafkaLog,
      onIndexed: (records) => this.indexed.inc(records),
    });
    await untilUp('index consumer', () => this.indexer!.start());
    this.log.info({ groupId: this.groupId, file: this.config.indexFile }, 'indexing the pipeline topics');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.indexer?.stop();
    await this.admin?.disconnect().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.index.close();
    this.log.info('console stopped');
  }
}

@Controller()
class HealthController {
  constructor(@Inject(ConsoleIndexing) private readonly indexing: ConsoleIndexing) {
    scrapeGauge(indexing.registry, 'hl7_ready', 'Whether the app passes its readiness check (the one /health/ready answers)', () =>
      Promise.resolve(indexing.ready() ? 1 : 0),
    );
  }

  @Get('health/live')
  live(): string {
    return 'ok\n';
  }

  @Get('health/ready')
  ready(): string {
    if (!this.indexing.ready()) throw new HttpException('not ready\n', 503);
    return 'ready\n';
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.indexing.registry.metrics();
  }
}

/** The console's one module: the index (a file under DATA_DIR), its indexer, the API and health/metrics. */
@Module({})
export class ConsoleModule {
  static for(config: ConsoleConfig, log: Logger): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: [MessagesController, HealthController],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        { provide: CONSOLE_LOG, useValue: log },
        {
          provide: MessageIndex,
          useFactory: () => {
            if (config.indexFile !== ':memory:') mkdirSync(dirname(config.indexFile), { recursive: true });
            return new MessageIndex(config.indexFile);
          },
        },
        ConsoleIndexing,
      ],
    };
  }
}
