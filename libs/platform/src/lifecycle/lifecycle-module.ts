import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';

/** A running service an app is made of (the gateway, the router): it can be stopped (drain, flush, disconnect). */
export interface Stoppable {
  stop(): Promise<void>;
}

const START = Symbol('LIFECYCLE_START');

/** Starts the service when Nest boots and stops it when Nest shuts down (runApp closes it on SIGTERM/SIGINT). */
@Injectable()
class ServiceLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private service: Stoppable | undefined;

  constructor(@Inject(START) private readonly start: () => Promise<Stoppable>) {}

  async onApplicationBootstrap(): Promise<void> {
    this.service = await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.service?.stop();
  }
}

/** An app's one Nest module: main.ts validates the config, then hands over how to start the app's service. */
@Module({})
export class LifecycleModule {
  static for(start: () => Promise<Stoppable>): DynamicModule {
    return { module: LifecycleModule, providers: [{ provide: START, useValue: start }, ServiceLifecycle] };
  }
}
