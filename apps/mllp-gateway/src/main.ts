// The MLLP gateway: `npm run start:gateway` after `npm run build`, or `node dist/apps/mllp-gateway/src/main.js`.
// Configuration comes from the environment and GATEWAY_CONFIG_FILE (see gateway-config.ts and the README);
// invalid configuration stops it before anything starts, with the list of what is wrong (exit code 2).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, LifecycleModule, createLogger, shutdownHooks } from '@lib/platform';
import { Gateway } from './gateway.js';
import { loadGatewayConfig } from './gateway-config.js';

let config;
try {
  config = loadGatewayConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const log = createLogger({ app: 'mllp-gateway', level: config.LOG_LEVEL });
const app = await NestFactory.createApplicationContext(
  LifecycleModule.for(() => Gateway.start(config, log)),
  { logger: ['error', 'warn'] },
);
app.enableShutdownHooks(...shutdownHooks);
