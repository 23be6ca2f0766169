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
 * records and aborts the running ones through their signal (they count as unfinished, and a delivery aborted this
 * way sends nothing more: the event source's retry of the batch is then the only sender). For one-shot batches
 * (a Lambda invocation), whose progress becomes durable only when the invocation succeeds.
 */
/** How long aborted records may take to settle (a ledger write in hand) before the run returns anyway. */
const SETTLE_MS = 3000;

export async function runKeyOrdered<R>(
  records: readonly { offset: bigint; key: string; record: R }[],
  handle: (record: R, signal: AbortSignal) => Promise<unknown>,
  options: { limit: number; deadline?: number },
): Promise<KeyOrderedRun<R>> {
  const aborter = new AbortController();
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
        void handle(item.record, aborter.signal)
          .then(
            () => {
              work.finish(item.offset);
              // Durable or not is the invocation's business: within it, the key goes on.
              work.confirmDurable([item.offset]);
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
    if (inFlight === 0) break;
    if (expired()) {
      // Abort what runs and wait for it to settle, so nothing of this invocation is still sending afterwards.
      aborter.abort(new Error('deadline'));
      const settleBy = Date.now() + SETTLE_MS;
      while (inFlight > 0 && Date.now() < settleBy)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(1, settleBy - Date.now()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      break;
    }
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
