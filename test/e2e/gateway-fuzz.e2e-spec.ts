// The fuzz run (bench/gateway/gateway-fuzz.mjs) at a smaller size, for its correctness half only: the built gateway
// on the real broker gets valid, mutated and adversarial frames from a load generator in its own process; every
// frame is answered or its connection closed (oversize ones: NAK, then close), the gateway stays alive and live, and
// another connection's messages keep being accepted. Its timing and memory figures are the benchmark's business
// (npm run bench:fuzz, bench/README.md), not asserted here.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { testKafkaEnv } from '@lib/kafka/testing';

const root = new URL('../../', import.meta.url).pathname;

interface KindTally {
  frames: number;
  answered: number;
  closed: number;
  unanswered: number;
}

describe('gateway fuzz (2,000 frames)', () => {
  it('answers every frame or closes its connection cleanly, and stays alive for everyone else', () => {
    const env = testKafkaEnv();
    const run = spawnSync(
      process.execPath,
      ['bench/gateway/gateway-fuzz.mjs', '--frames', '2000', '--connections', '6', '--seed', '7', '--baseline-seconds', '1', '--json'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, KAFKA_BROKERS: env.brokers.join(','), SCHEMA_REGISTRY_URL: env.schemaRegistryUrl },
      },
    );
    const lastLine = run.stdout.trim().split('\n').at(-1) ?? '';
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
    const result = JSON.parse(lastLine) as {
      runs: {
        alive: boolean;
        live: boolean;
        fuzz: { totals: KindTally; byKind: Record<string, KindTally>; codes: Record<string, number> };
        observer: { notAccepted: number; phases: Record<string, { acks: number }> };
      }[];
    };
    const [only] = result.runs;
    expect(only!.alive && only!.live).toBe(true);
    const { totals, byKind, codes } = only!.fuzz;
    expect(totals.frames).toBe(2000);
    expect(totals.unanswered).toBe(0);
    expect(totals.answered + totals.closed).toBe(2000);
    // Valid corpus messages are all answered (AA, or AR for types the listener does not take); only oversize frames
    // end their connection.
    expect(byKind['valid']!.answered).toBe(byKind['valid']!.frames);
    expect(byKind['oversize-5mib']).toMatchObject({ closed: byKind['oversize-5mib']!.frames });
    expect(Object.entries(byKind).filter(([kind, t]) => kind !== 'oversize-5mib' && t.closed > 0)).toEqual([]);
    expect(codes['AA']).toBeGreaterThan(0);
    expect(codes['AR']).toBeGreaterThan(0);
    // The other connection was served throughout, every message accepted.
    expect(only!.observer.notAccepted).toBe(0);
    expect(only!.observer.phases['during']!.acks).toBeGreaterThan(10);
  }, 300_000);
});
