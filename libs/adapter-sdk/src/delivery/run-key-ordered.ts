import { KeyOrderedWork } from './key-ordered-work.js';

export interface KeyOrderedRun<R> {
  finished: R[];
  /** Records whose handler rejected, with the error (their later records of the same key never started). */
  failed: { record: R; error: unknown }[];
  /** Records never finished: failed, never started, or still running at the deadline. */
  unfinished: R[];
}

/**
 * Runs `handle` over one partition's records (offset order) with KEY ordering: one record per key at a time, keys
 * concurrently up to `limit`. A key whose record fails stops there. At `deadline` (epoch ms) it stops starting
 * records and stops waiting for running ones (they count as unfinished). For one-shot batches (a Lambda invocation).
 */
export async function runKeyOrdered<R>(
  records: readonly { offset: bigint; key: string; record: R }[],
  handle: (record: R) => Promise<unknown>,
  options: { limit: number; deadline?: number },
): Promise<KeyOrderedRun<R>> {
  const work = new KeyOrderedWork<R>();
  work.add(records);
  const finished: R[] = [];
  const failed: { record: R; error: unknown }[] = [];
  const done = new Set<bigint>();
  let inFlight = 0;
  let wake: () => void = () => undefined;
  const expired = () => options.deadline !== undefined && Date.now() >= options.deadline;
  for (;;) {
    if (!expired()) {
      for (const item of work.start(Math.max(0, options.limit - inFlight))) {
        inFlight += 1;
        void handle(item.record)
          .then(
            () => {
              work.finish(item.offset);
              done.add(item.offset);
              finished.push(item.record);
            },
            // A failed record is never finished: it stays "running", which holds back the rest of its key.
            (error: unknown) => void failed.push({ record: item.record, error }),
          )
          .finally(() => {
            inFlight -= 1;
            wake();
          });
      }
    }
    // Nothing running: all done, or what is left waits behind a failed record of its key.
    if (inFlight === 0 || expired()) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.deadline === undefined ? 1000 : Math.max(1, Math.min(1000, options.deadline - Date.now())));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  return { finished, failed, unfinished: records.filter((r) => !done.has(r.offset)).map((r) => r.record) };
}
