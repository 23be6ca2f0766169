import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '../config/config-error.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { startTracing, tracingSettings } from '../tracing/start-tracing.js';
import { LifecycleModule, type Stoppable } from './lifecycle-module.js';

/** What an app is to the shared bootstrap: its name, how its config is read, and how it starts. */
export type AppDefinition<C> = ServiceApp<C> | NestApp<C>;

interface AppBase<C> {
  /** The `app` field of every log line. */
  name: string;
  /** Validates the environment (and files it names); throws ConfigError listing every problem. */
  config: () => C | Promise<C>;
  /**
   * Past this after SIGTERM/SIGINT the process exits even if the orderly stop hangs (records in flight are redone
   * by the next owner). Default 25 s, below Kubernetes' default terminationGracePeriodSeconds of 30 s.
   */
  stopGraceMs?: number;
}

/** An app that is one long-lived service (the router, the adapters): runApp gives it a Nest context of one module. */
export interface ServiceApp<C> extends AppBase<C> {
  /**
   * Starts the service. `fail` is for an error retrying cannot mend while running (a transaction that cannot
   * commit, the 'fail' policy): the app stops and exits 1, so its supervisor restarts it.
   */
  start: (config: C, log: Logger, fail: (error: unknown) => void) => Promise<Stoppable>;
}

/**
 * An app that is a Nest application of its own (the gateway: a microservice of its module on the MLLP transport):
 * `create` builds and starts it (listening); runApp wires the signals to its shutdown hooks.
 */
export interface NestApp<C> extends AppBase<C> {
  create: (config: C, log: Logger) => Promise<INestApplicationContext>;
}

/**
 * Every app's main: config or exit 2 (every problem of the app's settings and of the OTEL_* tracing settings on
 * stderr), a PHI-safe logger, tracing when OTEL_* turn it on, a Nest application (the app's own, or a context whose
 * one module starts the service on boot) stopped (drain, flush, disconnect, then the last spans exported) on SIGTERM
 * or SIGINT, then exit 0; exit 1 after a fatal error while running. SIGHUP is left to the app (the gateway reloads
 * TLS on it).
 */
export async function runApp<C extends object>(app: AppDefinition<C>): Promise<INestApplicationContext> {
  let config: C | undefined;
  let invalid: ConfigError | undefined;
  try {
    config = await app.config();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    invalid = error;
  }
  const tracingProblems = tracingSettings(process.env).problems;
  if (invalid || tracingProblems.length > 0 || config === undefined) {
    const problems = [...(invalid?.problems ?? []), ...tracingProblems];
    process.stderr.write(`${new ConfigError(invalid?.app ?? app.name, problems).message}\n`);
    process.exit(2);
  }
  const level = (config as { LOG_LEVEL?: unknown }).LOG_LEVEL;
  const log = createLogger({ app: app.name, level: typeof level === 'string' ? level : 'info' });
  const tracing = await startTracing(app.name, process.env);
  if (tracing.enabled) log.info('exporting traces (OTEL_* settings)');
  // Set once Nest has booted; a fatal error during the start closes it right after.
  const booted: { context?: INestApplicationContext } = {};
  let closing = false;
  // Nest's hooks (drain, flush, disconnect), then the last spans, then exit once the log is written (re-raising the
  // signal, Nest's default, killed the process before its last lines). The logger writes synchronously, so its lines
  // are out already; the flush (at most a second) keeps that true should its destination ever buffer.
  const exitAfterLog = () => {
    setTimeout(() => process.exit(), 1000).unref();
    log.flush(() => process.exit());
  };
  const close = () => {
    if (closing) return;
    closing = true;
    void (booted.context?.close() ?? Promise.resolve())
      .catch((error: unknown) => log.error({ err: error instanceof Error ? error.name : typeof error }, 'stop failed'))
      .then(() => tracing.shutdown())
      .catch(() => undefined)
      .finally(exitAfterLog);
  };
  let failed = false;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    process.exitCode = 1;
    log.error({ err: error instanceof Error ? error.name : typeof error }, 'stopping after an error that retrying cannot mend');
    if (booted.context) close();
  };
  const context =
    'create' in app
      ? await app.create(config, log)
      : await NestFactory.createApplicationContext(
          LifecycleModule.for(() => app.start(config, log, fail)),
          { logger: ['error', 'warn'] },
        );
  booted.context = context;
  if (failed) close();
  const graceMs = app.stopGraceMs ?? 25000;
  // Only SIGTERM (Kubernetes, docker stop) and SIGINT (Ctrl-C): SIGHUP is the gateway's TLS reload.
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      setTimeout(() => {
        log.error({ graceMs }, 'stop did not finish in time; exiting');
        process.exitCode = 1;
        exitAfterLog();
      }, graceMs).unref();
      close();
    });
  return context;
}
