// The router: `npm run start:router` after `npm run build`, or `node dist/apps/router/src/main.js`.
// Configuration: the environment (router-config.ts) and the routes file ROUTES_FILE (routes/route-config.ts).
// Invalid configuration stops it before anything starts (exit code 2). If processing stops on an error (a
// transaction that cannot commit, the 'fail' policy), it closes and exits 1 so its supervisor restarts it; the
// restart resumes from the last committed transaction.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, LifecycleModule, createLogger, shutdownHooks } from '@lib/platform';
import { Router } from './router.js';
import { loadRouterConfig } from './router-config.js';
import { loadRoutes } from './routes/route-config.js';

let config;
let targets;
try {
  config = loadRouterConfig(process.env);
  targets = await loadRoutes(config.ROUTES_FILE);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const log = createLogger({ app: 'router', level: config.LOG_LEVEL });
const app = await NestFactory.createApplicationContext(
  LifecycleModule.for(() =>
    Router.start(config, targets, log, () => {
      process.exitCode = 1;
      void app.close();
    }),
  ),
  { logger: ['error', 'warn'] },
);
app.enableShutdownHooks(...shutdownHooks);
