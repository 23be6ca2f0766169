import { ANY_MESSAGE, MLLP_OVERSIZE, MLLP_SERVER_EVENT, MllpContext, type OversizeFrame } from '@lib/mllp/nest';
import type { ConnectionInfo, ServerEvent } from '@lib/mllp';
import type { Logger } from '@lib/platform';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { GATEWAY_LOG } from '../gateway-tokens.js';
import { GatewayMetrics } from '../observability/gateway-metrics.js';
import { errorSummary, MessageIntake } from './message-intake.js';

/**
 * The gateway's MLLP handlers. Every frame goes to the intake (validate, envelope, Kafka, ACK): it is bound to
 * `ANY_MESSAGE`, so a more specific handler an integrator adds (`@MessagePattern('ORU')`, `@MessagePattern('SIU^S12')`,
 * in a controller of their own) takes those frames instead — see docs/gateway.md.
 */
@Controller()
export class IntakeController {
  constructor(
    @Inject(MessageIntake) private readonly intake: MessageIntake,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_LOG) private readonly log: Logger,
  ) {}

  @MessagePattern(ANY_MESSAGE)
  frame(@Payload() payload: Buffer, @Ctx() context: MllpContext): Promise<Buffer | undefined> {
    return this.intake.handleFrame(payload, context.getConnection() as ConnectionInfo);
  }

  @MessagePattern(MLLP_OVERSIZE)
  oversize(@Payload() frame: OversizeFrame, @Ctx() context: MllpContext): Promise<Buffer | undefined> {
    return this.intake.handleOversize(frame.bytes, context.getConnection() as ConnectionInfo);
  }

  @EventPattern(MLLP_SERVER_EVENT)
  serverEvent(@Payload() event: ServerEvent): void {
    this.metrics.serverEvent(event);
    logServerEvent(this.log, event);
  }
}

function logServerEvent(log: Logger, event: ServerEvent): void {
  switch (event.type) {
    case 'connection-opened':
      log.debug({ connection: event.connection.id, remoteAddress: event.connection.remoteAddress, open: event.open }, 'connection opened');
      break;
    case 'connection-closed':
      log.debug({ connection: event.connection.id, reason: event.reason, open: event.open }, 'connection closed');
      break;
    case 'junk':
      log.warn({ connection: event.connection.id, bytes: event.bytes, reason: event.reason }, 'bytes outside MLLP frames skipped');
      break;
    case 'oversize':
      log.warn({ connection: event.connection.id, bytes: event.bytes }, 'oversize frame');
      break;
    case 'connection-refused':
      log.warn({ remoteAddress: event.remoteAddress, reason: event.reason }, 'connection refused');
      break;
    case 'tls-error':
      log.warn({ remoteAddress: event.remoteAddress, err: errorSummary(event.error) }, 'TLS handshake failed');
      break;
    case 'handler-error':
      log.error({ connection: event.connection.id, err: errorSummary(event.error) }, 'handler failed');
      break;
    case 'tls-reloaded':
      log.info('TLS certificates reloaded');
      break;
    case 'tls-reload-failed':
      log.error({ err: errorSummary(event.error) }, 'TLS reload failed; keeping the current certificate');
      break;
  }
}
