import { abortableSleep } from '@lib/kafka';
import { KeyOrderedWork, type WorkItem } from './key-ordered-work.js';

/** What becomes of a record whose handler rejected. */
export type FailedRecordAction =
  /** Back to the queue, first of its key, after a backoff (a transient failure: Kafka or the registry away). */
  | 'retry'
  /** Back to the queue at once, without counting as a failure (the delivery was aborted: rebalance, stop). */
  | 'requeue'
  /** The key stops here: the record stays unfinished and so does the rest of its key (a one-shot batch). */
  | 'hold';

export interface ScheduleOptions<R> {
  /** Aborts the running records (they are handed this signal) and stops starting new ones. */
  signal: AbortSignal;
  /** Also stop starting records while this holds (the owner is stopping or has failed). */
  halted?: () => boolean;
  /** Epoch ms: from then on no record starts, the running ones are aborted and given SETTLE_MS to settle. */
  deadline?: number;
  /** How a failed record is treated (default 'hold'). */
  onFailure?: (error: unknown, record: R) => FailedRecordAction;
  /** Told of every 'retry', with the backoff before anything starts again. */
  onRetry?: (error: unknown, record: R, delayMs: number) => void;
  /** A record finished (its effects are written). */
  onFinished?: (record: R) => void;
  /**
   * Makes finished records durable (commits the offsets), every `intervalMs` and at once when a key's next record
   * waits for it. Without it, a finished record is durable at once (its batch succeeds or fails as a whole).
   */
  commit?: {
    intervalMs: number;
    run: () => Promise<void>;
    onError?: (error: unknown) => void;
    /** The owner's last commit failed: nothing starts until run() succeeds once. */
    failing?: boolean;
  };
}

export interface ScheduleResult<R> {
  finished: R[];
  /** Records whose handler rejected and that were held (their later records of the same key never started). */
  failed: { record: R; error: unknown }[];
}

/** How long aborted records may take to settle (a ledger write in hand) after a deadline before run() returns. */
const SETTLE_MS = 3000;

/**
 * Runs records with KEY ordering, as Confluent Parallel Consumer's KEY mode: records of one key one after another
 * in offset order, a key's next record only once the previous one is durably finished, different keys at the same
 * time. One scheduler bounds the records in flight over every batch it runs (`maxInFlight`: the adapter's
 * MAX_IN_FLIGHT), so a pod's partitions and a Lambda invocation's partitions share one limit. The pod gives it a
 * commit hook (finished is durable once committed); the Lambda a deadline (its invocation's time).
 */
export class KeyOrderedScheduler {
  private inFlight = 0;
  /** Runs waiting for a record to settle, a retry, a commit interval or a free slot. */
  private readonly waiters = new Set<() => void>();

  constructor(private readonly maxInFlight: number) {}

  /** Records running now, over all runs. */
  get running(): number {
    return this.inFlight;
  }

  /** Wakes every waiting run (the owner is stopping). */
  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Runs `work` (one partition's records) until every record is finished, held, or the run is halted or expired. */
  async run<R>(
    work: KeyOrderedWork<R>,
    handle: (record: R, signal: AbortSignal) => Promise<unknown>,
    options: ScheduleOptions<R>,
  ): Promise<ScheduleResult<R>> {
    const aborter = new AbortController();
    const signal = AbortSignal.any([options.signal, aborter.signal]);
    const expired = () => options.deadline !== undefined && Date.now() >= options.deadline;
    const halted = () => signal.aborted || options.halted?.() === true || expired();
    const finished: R[] = [];
    const failed: { record: R; error: unknown }[] = [];
    let active = 0;
    let retryAt = 0;
    let retryDelay = 200;
    let lastCommit = Date.now();
    // The last commit failed (Kafka away): nothing new starts until one succeeds. A record delivered meanwhile could
    // not be recorded as done, and would be delivered again after the session is lost (a duplicate at the target).
    let commitFailing = options.commit?.failing ?? false;
    const start = (item: WorkItem<R>) => {
      this.inFlight += 1;
      active += 1;
      void handle(item.record, signal)
        .then(
          () => {
            work.finish(item.offset);
            if (!options.commit) work.confirmDurable([item.offset]);
            finished.push(item.record);
            retryDelay = 200;
            options.onFinished?.(item.record);
          },
          (error: unknown) => {
            const action = signal.aborted ? 'requeue' : (options.onFailure?.(error, item.record) ?? 'hold');
            // A held record is never finished: it stays running in `work`, which holds back the rest of its key.
            if (action === 'hold') return void failed.push({ record: item.record, error });
            work.abandon(item.offset);
            if (action === 'retry') {
              retryAt = Date.now() + retryDelay;
              options.onRetry?.(error, item.record, retryDelay);
              retryDelay = Math.min(retryDelay * 2, 10000);
            }
          },
        )
        .finally(() => {
          this.inFlight -= 1;
          active -= 1;
          this.wakeAll();
        });
    };
    while (work.unfinished > 0) {
      const startable = halted() || commitFailing || Date.now() < retryAt ? [] : work.start(Math.max(0, this.maxInFlight - this.inFlight));
      for (const item of startable) start(item);
      if (expired()) {
        // Abort what runs and wait for it to settle, so nothing of this run is still sending afterwards.
        aborter.abort(new Error('deadline'));
        const settleBy = Date.now() + SETTLE_MS;
        while (active > 0 && Date.now() < settleBy) await this.pause(settleBy - Date.now());
        break;
      }
      if (active === 0 && halted()) break;
      // A patient's next record waits for its previous one's completion to be committed: commit now, not later.
      if (options.commit && (commitFailing || work.waitingForCommit() || Date.now() - lastCommit >= options.commit.intervalMs)) {
        try {
          await options.commit.run();
          commitFailing = false;
        } catch (error) {
          commitFailing = true;
          // Kafka unreachable: the records wait (their keys do); a session lost meanwhile aborts the batch.
          options.commit.onError?.(error);
          await abortableSleep(Math.min(options.commit.intervalMs, 1000), signal);
        }
        lastCommit = Date.now();
        continue;
      }
      // Nothing running, nothing to start, no retry or commit coming: what is left waits behind a held record.
      if (active === 0 && startable.length === 0 && Date.now() >= retryAt && this.inFlight < this.maxInFlight) break;
      const untilCommit = options.commit ? options.commit.intervalMs - (Date.now() - lastCommit) : 1000;
      const untilRetry = retryAt - Date.now();
      const untilDeadline = options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - Date.now();
      await this.pause(Math.max(10, Math.min(untilCommit, untilRetry > 0 ? untilRetry : untilCommit, untilDeadline)));
    }
    return { finished, failed };
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiters = this.waiters;
      const timer = setTimeout(done, Math.max(1, ms));
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }
}
