// The router: `npm run start:router` after `npm run build`, or `node dist/apps/router/src/main.js`.
// Configuration: the environment (router-config.ts) and the routes file ROUTES_FILE (routes/route-config.ts).
// Invalid configuration stops it before anything starts (exit code 2). If processing stops on an error (a
// transaction that cannot commit, the 'fail' policy), it closes and exits 1 so its supervisor restarts it; the
// restart resumes from the last committed transaction.
import { runApp } from '@lib/platform';
import { Router } from './router.js';
import { loadRouterConfig } from './router-config.js';
import { loadRoutes } from './routes/route-config.js';

await runApp({
  name: 'router',
  config: async () => {
    const config = loadRouterConfig(process.env);
    return { ...config, targets: await loadRoutes(config.ROUTES_FILE) };
  },
  start: (config, log, fail) => Router.start(config, config.targets, log, fail),
});
