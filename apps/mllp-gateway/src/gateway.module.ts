import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Logger, createLogger } from '@lib/platform';
import { Gateway } from './gateway.js';
import type { GatewayConfig } from './gateway-config.js';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const GATEWAY_LOGGER = Symbol('GATEWAY_LOGGER');

/** Starts the gateway when Nest boots and drains it when Nest shuts down (SIGTERM). */
@Injectable()
export class GatewayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private gateway: Gateway | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.gateway = await Gateway.start(this.config, this.log);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.gateway?.stop();
  }

  get running(): Gateway | undefined {
    return this.gateway;
  }
}

/** One module for the app: the validated config comes in from main.ts, everything else is wired from it. */
@Module({})
export class GatewayModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_LOGGER, useFactory: () => createLogger({ app: 'mllp-gateway', level: config.LOG_LEVEL }) },
        GatewayLifecycle,
      ],
    };
  }
}
