// A built app (runApp from dist) whose orderly stop never ends: for the test of the stop grace period
// (test/e2e/app-signals.e2e-spec.ts). HANG_GRACE_MS is its stopGraceMs.
import { runApp } from '../../dist/libs/platform/src/index.js';

await runApp({
  name: 'hanging-stop',
  stopGraceMs: Number(process.env.HANG_GRACE_MS),
  config: () => ({ LOG_LEVEL: 'info' }),
  start: async (_config, log) => {
    // Work that keeps the process alive (as a server or a consumer does), which the stop never ends.
    setInterval(() => undefined, 1000);
    log.info('started');
    return { stop: () => new Promise(() => undefined) };
  },
});
