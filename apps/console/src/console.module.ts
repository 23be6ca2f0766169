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
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { groupLag, retryTransient, type TopicAdmin } from '@lib/kafka';
import { configFields, type Logger, scrapeGauge } from '@lib/platform';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import {
  AuditController,
  DashboardController,
  DeadLettersController,
  MessagesController,
  QuarantineController,
} from './api/messages.controller.js';
import { AuditTrail } from './audit/audit-trail.js';
import { AuthGuard, PageErrors } from './auth/auth-guard.js';
import { OidcSignIn } from './auth/oidc-sign-in.js';
import { Public } from './auth/roles.js';
import { SessionCodec } from './auth/session.js';
import { SignInController } from './auth/sign-in.controller.js';
import type { ConsoleConfig } from './console-config.js';
import { type ConsoleKafka, openConsoleKafka } from './console-kafka.js';
import {
  AUDIT_TRAIL,
  CONSOLE_CONFIG,
  CONSOLE_KAFKA,
  CONSOLE_LOG,
  DEAD_LETTER_REPLAYS,
  MESSAGE_CONTENT,
  PIPELINE_STATUS,
  QUARANTINE_RELEASES,
} from './console-tokens.js';
import { QuarantineReleases } from './quarantine/quarantine-releases.js';
import { PipelineStatus } from './dashboard/pipeline-status.js';
import { MessageContent } from './content/message-content.js';
import { PostgresDatabase, SqliteDatabase } from './message-index/index-database.js';
import { MessageIndex } from './message-index/message-index.js';
import { MessageIndexer } from './message-index/message-indexer.js';
import { DeadLetterReplays } from './replay/dead-letter-replays.js';
import { PagesController } from './ui/pages.controller.js';

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
    @Inject(CONSOLE_KAFKA) private readonly kafka: ConsoleKafka,
    @Inject(AUDIT_TRAIL) private readonly audit: AuditTrail,
    @Inject(DEAD_LETTER_REPLAYS) private readonly replays: DeadLetterReplays,
    @Inject(PIPELINE_STATUS) private readonly status: PipelineStatus,
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
    const { client, log: kafkaLog } = this.kafka;
    const untilUp = <T>(what: string, step: () => Promise<T>) => retryTransient(what, step, { log: kafkaLog });
    const topics = {
      adt: this.config.ADT_TOPIC,
      quarantine: this.config.QUARANTINE_TOPIC,
      ledger: this.config.LEDGER_TOPIC,
      audit: this.config.AUDIT_TOPIC,
      targets: this.config.targets,
    };
    this.admin = client.admin();
    await untilUp('admin connect', () => this.admin!.connect());
    await untilUp('audit topic', () =>
      this.admin!.ensureTopics([
        {
          name: this.config.AUDIT_TOPIC,
          partitions: 3,
          ...configFields.topicDurabilityOptions(this.config),
          config: { 'cleanup.policy': 'delete', 'retention.ms': String(this.config.AUDIT_RETENTION_MS) },
        },
      ]),
    );
    await untilUp('audit producer', () => this.audit.start());
    await untilUp('replay producer', () => this.replays.start());
    const all = [
      topics.adt,
      topics.quarantine,
      topics.ledger,
      topics.audit,
      ...topics.targets.flatMap((t) => [t.routeTopic, t.deadLetterTopic, t.sentTopic]),
    ];
    scrapeGauge(this.registry, 'hl7_console_index_lag', 'Records of the pipeline topics not yet in the index (read at scrape time)', () =>
      groupLag(this.admin!, this.groupId, all),
    );
    this.indexer = new MessageIndexer({
      kafka: client,
      index: this.index,
      topics,
      groupId: this.groupId,
      envelopes: this.kafka.envelopes,
      deliveries: this.kafka.deliveries,
      audits: this.kafka.audits,
      mrnHashKey: this.config.LOG_HASH_KEY,
      log: kafkaLog,
      onIndexed: (records) => this.indexed.inc(records),
    });
    await untilUp('index consumer', () => this.indexer!.start());
    const store = this.config.INDEX_DATABASE_URL ? 'postgres' : this.config.indexFile;
    this.log.info({ groupId: this.groupId, index: store, auth: this.config.CONSOLE_AUTH }, 'indexing the pipeline topics');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.indexer?.stop();
    await this.audit.stop();
    await this.replays.stop();
    await this.status.stop();
    await this.admin?.disconnect().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.index.close();
    this.log.info('console stopped');
  }
}

@Controller()
@Public()
export class HealthController {
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

/** Every controller of the console: each route names its roles or is public (the guard, and a test over this list). */
export const CONSOLE_CONTROLLERS = [
  PagesController,
  SignInController,
  MessagesController,
  DeadLettersController,
  AuditController,
  DashboardController,
  QuarantineController,
  HealthController,
] as const;

/**
 * The console's one module: the index (a file under DATA_DIR) and its indexer, the pages and the JSON API behind
 * sign-in and roles (a global guard: deny by default), content from Kafka, replays and the audit trail, health/metrics.
 */
@Module({})
export class ConsoleModule {
  static for(config: ConsoleConfig, log: Logger): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: [...CONSOLE_CONTROLLERS],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        { provide: CONSOLE_LOG, useValue: log },
        { provide: CONSOLE_KAFKA, useFactory: () => openConsoleKafka(config, log) },
        { provide: AUDIT_TRAIL, useFactory: (kafka: ConsoleKafka) => new AuditTrail(kafka, config.AUDIT_TOPIC), inject: [CONSOLE_KAFKA] },
        {
          provide: MESSAGE_CONTENT,
          useFactory: (index: MessageIndex, kafka: ConsoleKafka, audit: AuditTrail) => new MessageContent(index, kafka, audit),
          inject: [MessageIndex, CONSOLE_KAFKA, AUDIT_TRAIL],
        },
        {
          provide: DEAD_LETTER_REPLAYS,
          useFactory: (index: MessageIndex, kafka: ConsoleKafka, audit: AuditTrail) =>
            new DeadLetterReplays(index, kafka, audit, (target) => config.targets.find((t) => t.name === target)?.routeTopic),
          inject: [MessageIndex, CONSOLE_KAFKA, AUDIT_TRAIL],
        },
        {
          provide: QUARANTINE_RELEASES,
          useFactory: (index: MessageIndex, kafka: ConsoleKafka, audit: AuditTrail) =>
            new QuarantineReleases(index, kafka.client, audit, config.GATEWAY_MLLP_URL),
          inject: [MessageIndex, CONSOLE_KAFKA, AUDIT_TRAIL],
        },
        {
          provide: PIPELINE_STATUS,
          useFactory: (index: MessageIndex, kafka: ConsoleKafka) =>
            new PipelineStatus({ index, kafka: kafka.client, targets: config.targets, appUrls: config.APP_URLS }),
          inject: [MessageIndex, CONSOLE_KAFKA],
        },
        { provide: SessionCodec, useValue: new SessionCodec(config.sessionSecret, config.SESSION_TTL_SECONDS) },
        {
          provide: OidcSignIn,
          useValue:
            config.CONSOLE_AUTH === 'oidc'
              ? new OidcSignIn({
                  issuer: config.OIDC_ISSUER_URL!,
                  clientId: config.OIDC_CLIENT_ID!,
                  clientSecret: config.OIDC_CLIENT_SECRET!,
                  redirectUrl: config.OIDC_REDIRECT_URL!,
                  scopes: config.OIDC_SCOPES,
                  rolesClaim: config.OIDC_ROLES_CLAIM,
                  roleValues: config.roleValues,
                })
              : null,
        },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: PageErrors },
        {
          provide: MessageIndex,
          useFactory: () => {
            if (config.INDEX_DATABASE_URL) return MessageIndex.open(new PostgresDatabase(config.INDEX_DATABASE_URL));
            if (config.indexFile !== ':memory:') mkdirSync(dirname(config.indexFile), { recursive: true });
            return MessageIndex.open(new SqliteDatabase(config.indexFile));
          },
        },
        ConsoleIndexing,
      ],
    };
  }
}
