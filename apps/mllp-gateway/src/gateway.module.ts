import { HttpEndpoints, type Logger } from '@lib/platform';
import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import type { GatewayConfig } from './gateway-config.js';
import { GATEWAY_CONFIG, GATEWAY_LOG } from './gateway-tokens.js';
import { IntakeController } from './intake/intake.controller.js';
import { MessageIntake } from './intake/message-intake.js';
import { GatewayKafka } from './kafka/gateway-kafka.js';
import { GatewayMetrics } from './observability/gateway-metrics.js';

/** /metrics, /health/live and /health/ready: listening once the app has booted, closed by GatewayShutdown. */
@Injectable()
export class GatewayHttp implements OnApplicationBootstrap {
  private readonly endpoints: HttpEndpoints;
  port = 0;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(GatewayMetrics) metrics: GatewayMetrics,
    @Inject(GatewayKafka) kafka: GatewayKafka,
  ) {
    this.endpoints = new HttpEndpoints({ port: config.HTTP_PORT, registry: metrics.registry, ready: () => kafka.ready() });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.port = await this.endpoints.listen();
  }

  close(): Promise<void> {
    return this.endpoints.close();
  }
}

/**
 * The end of the gateway's shutdown, in order: Nest runs onApplicationShutdown after the MLLP transport drained (on
 * close() and on SIGTERM alike), so the last ACKs' dedup entries are flushed and Kafka released after the last
 * frame was answered; then the HTTP endpoints go.
 */
@Injectable()
class GatewayShutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(GatewayKafka) private readonly kafka: GatewayKafka,
    @Inject(GatewayHttp) private readonly http: GatewayHttp,
    @Inject(GATEWAY_LOG) private readonly log: Logger,
  ) {}

  beforeApplicationShutdown(): void {
    this.log.info('mllp gateway stopping');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.kafka.close();
    await this.http.close();
    this.log.info('mllp gateway stopped');
  }
}

function intakeFor(config: GatewayConfig, log: Logger, kafka: GatewayKafka, metrics: GatewayMetrics): MessageIntake {
  return new MessageIntake(
    {
      listener: config.LISTENER_NAME,
      headerPolicy: { messageTypes: config.ACCEPTED_MESSAGE_TYPES },
      topics: kafka.topics,
      charset: { defaultCharset: config.DEFAULT_CHARSET, fallbackCharset: config.FALLBACK_CHARSET },
      patientId: {
        identifierTypeCode: config.MRN_TYPE_CODE,
        ...(config.MRN_ASSIGNING_AUTHORITY ? { assigningAuthority: config.MRN_ASSIGNING_AUTHORITY } : {}),
      },
      sendingFacilities: config.SENDING_FACILITIES,
      application: 'HL7ROUTER',
      writeTimeoutMs: config.KAFKA_WRITE_TIMEOUT_MS,
      logHashKey: config.LOG_HASH_KEY,
    },
    { publisher: kafka.publisher, quarantine: kafka.quarantine, duplicates: kafka.duplicates, metrics, log },
  );
}

/**
 * What an integrator adds to the gateway: controllers with handlers for other message types
 * (`@MessagePattern('ORU')`, `@MessagePattern('SIU^S12')`: the most specific pattern takes the frame, the intake
 * keeps the rest) and the providers they need. They can inject what the module provides: `MessageIntake`,
 * `GatewayKafka`, `GatewayMetrics`, `GATEWAY_CONFIG`, `GATEWAY_LOG`.
 */
export interface GatewayExtensions {
  controllers?: Type[];
  providers?: Provider[];
}

/**
 * The gateway as a Nest module: configuration and logger as values, Kafka opened by an async provider (the
 * module is ready only once topics, serdes, producers and the duplicate window are), the intake built from them,
 * and the controller that binds it to the MLLP transport (gateway.ts).
 */
@Module({})
export class GatewayModule {
  static for(config: GatewayConfig, log: Logger, extensions: GatewayExtensions = {}): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [IntakeController, ...(extensions.controllers ?? [])],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_LOG, useValue: log },
        { provide: GatewayMetrics, useFactory: () => new GatewayMetrics() },
        { provide: GatewayKafka, useFactory: () => GatewayKafka.open(config, log) },
        { provide: MessageIntake, useFactory: intakeFor, inject: [GATEWAY_CONFIG, GATEWAY_LOG, GatewayKafka, GatewayMetrics] },
        GatewayHttp,
        GatewayShutdown,
        ...(extensions.providers ?? []),
      ],
    };
  }
}
