// The MLLP gateway: `npm run start:gateway` after `npm run build`, or `node dist/apps/mllp-gateway/src/main.js`.
// Configuration comes from the environment and GATEWAY_CONFIG_FILE (see gateway-config.ts and docs/gateway.md);
// invalid configuration stops it before anything starts, with the list of what is wrong (exit code 2).
import { runApp } from '@lib/platform';
import { Gateway } from './gateway.js';
import { loadGatewayConfig } from './gateway-config.js';

await runApp({
  name: 'mllp-gateway',
  config: () => loadGatewayConfig(process.env),
  create: async (config, log) => (await Gateway.start(config, log)).app,
});
