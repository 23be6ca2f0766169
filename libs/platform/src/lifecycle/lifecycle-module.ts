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

/**
 * How apps enable Nest's shutdown hooks: `app.enableShutdownHooks(...shutdownHooks)`.
 * - Only SIGTERM (Kubernetes, docker stop) and SIGINT (Ctrl-C): Nest's default list includes SIGHUP, which the
 *   gateway uses to reload its TLS certificate, and SIGUSR2.
 * - useProcessExit: exit with process.exit once stopped, so the logger's asynchronous buffer is flushed on 'exit'
 *   (Nest's default re-raises the signal, which killed the process before its last lines, "stopped" among them,
 *   were written, and made the exit status 143).
 */
export const shutdownHooks: [signals: string[], options: { useProcessExit: boolean }] = [['SIGTERM', 'SIGINT'], { useProcessExit: true }];

/** Starts the service when Nest boots and stops it when Nest shuts down (SIGTERM, with enableShutdownHooks). */
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
