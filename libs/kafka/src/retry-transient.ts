import { isRetriable } from './errors.js';
import type { KafkaLogSink } from './kafka-types.js';

export interface RetryTransientOptions {
  log?: KafkaLogSink;
  /** Give up (rethrow the last error) after this long; default: never. */
  timeoutMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Stop retrying when aborted (the last error is rethrown). */
  signal?: AbortSignal;
}

/**
 * Runs `operation` until it succeeds, retrying errors that are transient (isRetriable: the broker or registry not
 * reachable yet, leaders not elected, a topic another client is creating) with exponential backoff. Errors that
 * are not transient are thrown at once. Start-up uses it so apps started together with their dependencies wait for
 * them instead of crash-looping on a race.
 */
export async function retryTransient<T>(what: string, operation: () => Promise<T>, options: RetryTransientOptions = {}): Promise<T> {
  const started = Date.now();
  let delay = options.initialDelayMs ?? 200;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      const expired = options.timeoutMs !== undefined && Date.now() - started + delay > options.timeoutMs;
      if (!isRetriable(error) || expired || options.signal?.aborted) throw error;
      options.log?.('warn', `${what} failed; retrying`, {
        attempt,
        retryInMs: delay,
        error: error instanceof Error ? error.message : String(error),
      });
      await abortableSleep(delay, options.signal);
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
