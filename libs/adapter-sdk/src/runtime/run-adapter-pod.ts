import { ConfigError, createLogger } from '@lib/platform';
import type { Adapter } from '../define-adapter.js';
import { type AdapterConfig, loadAdapterConfig } from './adapter-config.js';
import { AdapterPod } from './adapter-pod.js';

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
    stopping ??= pod.stop().finally(() => process.exit(code));
    return stopping;
  };
  const pod: AdapterPod = await AdapterPod.start(adapter, config, log, () => void stop(1));
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));
}
