import { runApp } from '@lib/platform';
import type { Adapter } from '../define-adapter.js';
import { loadAdapterConfig } from './adapter-config.js';
import { AdapterPod } from './adapter-pod.js';

/**
 * An adapter app's whole main: validate the environment (exit 2 listing every problem), start the pod, stop it on
 * SIGTERM/SIGINT (drain, commit) within 25 s, exit 1 if processing stops on an error so the supervisor restarts it.
 */
export async function runAdapterPod(adapter: Adapter, env: NodeJS.ProcessEnv): Promise<void> {
  await runApp({
    name: `adapter-${adapter.name}`,
    config: () => loadAdapterConfig(adapter, env),
    start: (config, log, fail) => AdapterPod.start(adapter, config, log, fail),
  });
}
