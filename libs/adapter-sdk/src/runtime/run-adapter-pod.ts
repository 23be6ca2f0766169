import { ConfigError, createLogger } from '@lib/platform';
import type { Adapter } from '../define-adapter.js';
import { type AdapterConfig, loadAdapterConfig } from './adapter-config.js';
import { AdapterPod } from './adapter-pod.js';

/** Below Kubernetes' default terminationGracePeriodSeconds (30 s). */
const STOP_GRACE_MS = 25000;

/**
 * An adapter app's whole main: validate the environment (exit 2 listing every problem), start the pod, stop it on
 * SIGTERM/SIGINT (drain, commit), exit 1 if processing stops on an error so the supervisor restarts it.
 */
export async function runAdapterPod(adapter: Adapter, env: NodeJS.ProcessEnv): Promise<void> {
  let config: AdapterConfig;
  try {
    config = loadAdapterConfig(adapter, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const log = createLogger({ app: `adapter-${adapter.name}`, level: config.LOG_LEVEL });
  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    // Whatever is in flight, the process exits within the grace period (records not finished are redone by the
    // group's next owner); the timer only fires if the orderly stop itself hangs.
    setTimeout(() => {
      log.error({ graceMs: STOP_GRACE_MS }, 'stop did not finish in time; exiting');
      setTimeout(() => process.exit(code === 0 ? 1 : code), 200);
    }, STOP_GRACE_MS).unref();
    stopping ??= pod.stop().finally(() => process.exit(code));
    return stopping;
  };
  const pod: AdapterPod = await AdapterPod.start(adapter, config, log, () => void stop(1));
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));
}
