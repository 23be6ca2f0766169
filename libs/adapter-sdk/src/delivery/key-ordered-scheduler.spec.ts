import { describe, expect, it } from '@jest/globals';
import { type ScheduleOptions, KeyOrderedScheduler } from './key-ordered-scheduler.js';
import { KeyOrderedWork } from './key-ordered-work.js';

const workOf = (...keys: string[]) => {
  const work = new KeyOrderedWork<string>();
  work.add(keys.map((key, i) => ({ offset: BigInt(i), key, record: `${key}${i}` })));
  return work;
};
const run = (
  keys: string[],
  handle: (record: string, signal: AbortSignal) => Promise<unknown>,
  options: Partial<ScheduleOptions<string>> = {},
  limit = 10,
) => new KeyOrderedScheduler(limit).run(workOf(...keys), handle, { signal: new AbortController().signal, ...options });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyOrderedScheduler', () => {
  it('runs keys concurrently and each key in order', async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const result = await run(['A', 'B', 'A', 'C', 'B', 'A'], async (r) => {
      running += 1;
      peak = Math.max(peak, running);
      log.push(`start ${r}`);
      await tick();
      log.push(`end ${r}`);
      running -= 1;
    });
    expect(result.finished.sort()).toEqual(['A0', 'A2', 'A5', 'B1', 'B4', 'C3']);
    expect(peak).toBe(3);
    for (const [a, b] of [
      ['A0', 'A2'],
      ['A2', 'A5'],
      ['B1', 'B4'],
    ])
      expect(log.indexOf(`end ${a}`)).toBeLessThan(log.indexOf(`start ${b}`));
  });

  it('holds a key at its failed record (the default): the rest of that key never starts, other keys finish', async () => {
    const started: string[] = [];
    const result = await run(['A', 'B', 'A', 'B'], async (r) => {
      started.push(r);
      if (r === 'A0') throw new Error('target down');
    });
    expect(result.finished.sort()).toEqual(['B1', 'B3']);
    expect(result.failed.map((f) => f.record)).toEqual(['A0']);
    expect(started).not.toContain('A2');
  });

  it('honours one in-flight limit across runs sharing the scheduler', async () => {
    let running = 0;
    let peak = 0;
    const scheduler = new KeyOrderedScheduler(3);
    const handle = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await tick();
      running -= 1;
    };
    const options = { signal: new AbortController().signal };
    await Promise.all([
      scheduler.run(workOf('A', 'B', 'C', 'D'), handle, options),
      scheduler.run(workOf('E', 'F', 'G', 'H'), handle, options),
    ]);
    expect(peak).toBe(3);
    expect(scheduler.running).toBe(0);
  });

  it('stops at the deadline: the running record is aborted, nothing else of its key starts', async () => {
    let aborted = false;
    const result = await run(
      ['A', 'A', 'B'],
      (r, signal) =>
        r === 'A0'
          ? new Promise((_, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted')))))
          : Promise.resolve(),
      { deadline: Date.now() + 50 },
    );
    expect(result.finished).toEqual(['B2']);
    expect(aborted).toBe(true);
  });

  it('retries a record that asks for it after a backoff, first of its key again', async () => {
    const attempts: string[] = [];
    const retries: number[] = [];
    const result = await run(
      ['A', 'A'],
      async (r) => {
        attempts.push(r);
        if (r === 'A0' && attempts.length === 1) throw new Error('registry away');
      },
      { onFailure: () => 'retry', onRetry: (_e, _r, delayMs) => retries.push(delayMs) },
    );
    expect(attempts).toEqual(['A0', 'A0', 'A1']);
    expect(retries).toEqual([200]);
    expect(result.finished).toEqual(['A0', 'A1']);
  });

  it('with a commit hook, a key’s next record starts only after its previous one is committed', async () => {
    const events: string[] = [];
    const work = workOf('A', 'A', 'B');
    await new KeyOrderedScheduler(10).run(
      work,
      async (r) => {
        events.push(`run ${r}`);
      },
      {
        signal: new AbortController().signal,
        commit: {
          intervalMs: 60000,
          run: async () => {
            const pending = work.notDurable();
            events.push(`commit ${pending.join(',')}`);
            work.confirmDurable(pending);
          },
        },
      },
    );
    expect(events.indexOf('run A1')).toBeGreaterThan(events.findIndex((e) => e.startsWith('commit') && e.includes('0')));
    expect(events.filter((e) => e.startsWith('run'))).toHaveLength(3);
  });

  it('starts nothing new while commits fail (Kafka away): what is delivered meanwhile could not be recorded', async () => {
    const events: string[] = [];
    const work = workOf('A', 'B', 'C', 'D', 'E', 'F');
    let kafkaAway = true;
    setTimeout(() => (kafkaAway = false), 150);
    const result = await new KeyOrderedScheduler(1).run(
      work,
      async (r) => {
        events.push(`run ${r}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      {
        signal: new AbortController().signal,
        commit: {
          intervalMs: 20,
          run: async () => {
            const pending = work.notDurable();
            if (pending.length === 0) return;
            if (kafkaAway) {
              events.push('commit failed');
              throw new Error('Connection error: connect ECONNREFUSED');
            }
            events.push('commit');
            work.confirmDurable(pending);
          },
        },
      },
    );
    expect(result.finished).toHaveLength(6);
    const firstFailure = events.indexOf('commit failed');
    const recovered = events.indexOf('commit');
    expect(firstFailure).toBeGreaterThanOrEqual(0);
    expect(recovered).toBeGreaterThan(firstFailure);
    // At most the record already running when the first commit failed; nothing starts after it until one succeeds.
    expect(events.slice(firstFailure, recovered).filter((e) => e.startsWith('run'))).toEqual([]);
  });

  it("starts nothing of a run whose owner's last commit failed until one of its own succeeds", async () => {
    const events: string[] = [];
    let attempts = 0;
    const result = await run(['A', 'B'], async (r) => void events.push(`run ${r}`), {
      commit: {
        intervalMs: 20,
        failing: true,
        run: async () => {
          attempts += 1;
          if (attempts === 1) {
            events.push('commit failed');
            throw new Error('Connection error: connect ECONNREFUSED');
          }
          events.push('commit');
        },
      },
    });
    expect(result.finished).toHaveLength(2);
    expect(events.slice(0, 2)).toEqual(['commit failed', 'commit']);
  });
});
