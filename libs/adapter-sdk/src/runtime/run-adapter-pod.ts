import { ConfigError, runApp } from '@lib/platform';
import { routeTopic } from '@lib/envelope';
import type { Adapter, AdapterOutput } from '../define-adapter.js';
import { loadAdapterConfig } from './adapter-config.js';
import { AdapterPod } from './adapter-pod.js';

/** An adapter made from the environment (its own settings, files it names), validated with the adapter settings. */
export interface AdapterFactory {
  name: string;
  output: AdapterOutput;
  create(env: NodeJS.ProcessEnv): Adapter;
}

/**
 * An adapter app's whole main: validate the environment (exit 2 listing every problem — the adapter's own settings
 * and every adapter's, together), start the pod, stop it on SIGTERM/SIGINT (drain, commit) within 25 s, exit 1 if
 * processing stops on an error so the supervisor restarts it.
 */
export async function runAdapterPod(adapter: Adapter | AdapterFactory, env: NodeJS.ProcessEnv): Promise<void> {
  let made: Adapter | undefined;
  await runApp({
    name: `adapter-${adapter.name}`,
    config: () => {
      const problems: string[] = [];
      const attempt = <T>(step: () => T): T | undefined => {
        try {
          return step();
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          problems.push(...error.problems);
          return undefined;
        }
      };
      made = 'create' in adapter ? attempt(() => adapter.create(env)) : adapter;
      // Without the adapter (its own settings are wrong), every adapter's settings are still checked, so all is listed.
      const shape = made ?? { name: adapter.name, sourceTopic: routeTopic(adapter.name), output: adapter.output };
      const config = attempt(() => loadAdapterConfig(shape, env));
      if (problems.length > 0 || !config) throw new ConfigError(`adapter-${adapter.name}`, problems);
      return config;
    },
    start: (config, log, fail) => AdapterPod.start(made!, config, log, fail),
  });
}
