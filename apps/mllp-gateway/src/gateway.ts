import { MllpTransport } from '@lib/mllp/nest';
import type { Logger } from '@lib/platform';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { GatewayConfig } from './gateway-config.js';
import { type GatewayExtensions, GatewayHttp, GatewayModule } from './gateway.module.js';
import { GatewayKafka } from './kafka/gateway-kafka.js';
import { GatewayMetrics } from './observability/gateway-metrics.js';

/** The MLLP listener's options from the gateway's configuration. */
export function mllpTransportFor(config: GatewayConfig): MllpTransport {
  return new MllpTransport({
    host: config.MLLP_HOST,
    port: config.MLLP_PORT,
    ...(config.MLLP_TLS_KEY_FILE && config.MLLP_TLS_CERT_FILE
      ? {
          tls: {
            keyFile: config.MLLP_TLS_KEY_FILE,
            certFile: config.MLLP_TLS_CERT_FILE,
            ...(config.MLLP_TLS_CA_FILE ? { caFile: config.MLLP_TLS_CA_FILE } : {}),
            requireClientCert: config.MLLP_TLS_REQUIRE_CLIENT_CERT,
            allowedClients: config.MLLP_TLS_ALLOWED_CLIENTS,
          },
          tlsReloadIntervalMs: config.MLLP_TLS_RELOAD_INTERVAL_MS,
        }
      : {}),
    maxFrameBytes: config.MLLP_MAX_FRAME_BYTES,
    idleTimeoutMs: config.MLLP_IDLE_TIMEOUT_MS,
    frameTimeoutMs: config.MLLP_FRAME_TIMEOUT_MS,
    maxConnections: config.MLLP_MAX_CONNECTIONS,
    maxQueuedBytesPerConnection: config.MLLP_MAX_QUEUED_BYTES_PER_CONNECTION,
    maxBufferedBytes: config.MLLP_MAX_BUFFERED_BYTES,
    tlsHandshakeTimeoutMs: config.MLLP_TLS_HANDSHAKE_TIMEOUT_MS,
  });
}

/**
 * The running gateway: a Nest microservice of GatewayModule on the MLLP transport. Nest opens Kafka (providers),
 * then listens; on close the transport drains first (frames received are answered), then Kafka and HTTP are released.
 */
export class Gateway {
  private constructor(
    readonly app: INestMicroservice,
    private readonly transport: MllpTransport,
    readonly mllpPort: number,
    readonly httpPort: number,
    readonly metrics: GatewayMetrics,
  ) {}

  static async start(config: GatewayConfig, log: Logger, extensions: GatewayExtensions = {}): Promise<Gateway> {
    const transport = mllpTransportFor(config);
    const app = await NestFactory.createMicroservice(GatewayModule.for(config, log, extensions), {
      strategy: transport,
      logger: ['error', 'warn'],
      abortOnError: false,
    });
    try {
      await app.listen();
    } catch (error) {
      await app.close().catch(() => undefined);
      throw error;
    }
    const mllpPort = transport.address().port;
    const httpPort = app.get(GatewayHttp).port;
    log.info(
      { mllpPort, httpPort, listener: config.LISTENER_NAME, tls: Boolean(config.MLLP_TLS_CERT_FILE), topics: app.get(GatewayKafka).topics },
      'mllp gateway listening',
    );
    return new Gateway(app, transport, mllpPort, httpPort, app.get(GatewayMetrics));
  }

  /** Stop accepting, answer what is in flight (for up to deadlineMs), then release Kafka (see GatewayShutdown). */
  async stop(deadlineMs = 30000): Promise<void> {
    await this.transport.close(deadlineMs);
    await this.app.close();
  }
}
