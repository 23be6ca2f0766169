import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Logger, createLogger } from '@lib/platform';
import { Router } from './router.js';
import type { RouterConfig } from './router-config.js';
import type { RouteTarget } from './routes/route-config.js';

export const ROUTER_CONFIG = Symbol('ROUTER_CONFIG');
export const ROUTER_TARGETS = Symbol('ROUTER_TARGETS');
export const ROUTER_LOGGER = Symbol('ROUTER_LOGGER');
export const ROUTER_ON_FAILURE = Symbol('ROUTER_ON_FAILURE');

/** Starts the router when Nest boots and closes it when Nest shuts down (SIGTERM). */
@Injectable()
export class RouterLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private router: Router | undefined;

  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(ROUTER_TARGETS) private readonly targets: RouteTarget[],
    @Inject(ROUTER_LOGGER) private readonly log: Logger,
    @Inject(ROUTER_ON_FAILURE) private readonly onFailure: (error: Error) => void,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.router = await Router.start(this.config, this.targets, this.log, this.onFailure);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.router?.stop();
  }
}

@Module({})
export class RouterModule {
  static forConfig(config: RouterConfig, targets: RouteTarget[], onFailure: (error: Error) => void): DynamicModule {
    return {
      module: RouterModule,
      providers: [
        { provide: ROUTER_CONFIG, useValue: config },
        { provide: ROUTER_TARGETS, useValue: targets },
        { provide: ROUTER_ON_FAILURE, useValue: onFailure },
        { provide: ROUTER_LOGGER, useFactory: () => createLogger({ app: 'router', level: config.LOG_LEVEL }) },
        RouterLifecycle,
      ],
    };
  }
}
