// The operator console (issue #15, step 1): the message index and its API. `node dist/apps/console/src/main.js`;
// configuration from the environment (console-config.ts); invalid configuration: exit 2 with every problem listed.
import { NestFactory } from '@nestjs/core';
import { runApp } from '@lib/platform';
import { loadConsoleConfig } from './console-config.js';
import { ConsoleModule } from './console.module.js';

await runApp({
  name: 'console',
  config: () => loadConsoleConfig(process.env),
  create: async (config, log) => {
    const app = await NestFactory.create(ConsoleModule.for(config, log), { logger: ['error', 'warn'] });
    await app.listen(config.HTTP_PORT, config.HTTP_HOST);
    log.info({ url: `http://${config.HTTP_HOST}:${config.HTTP_PORT}` }, 'console listening');
    return app;
  },
});
