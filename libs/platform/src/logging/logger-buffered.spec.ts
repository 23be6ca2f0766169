// The buffered stdout of long-running apps (createLogger({ buffered: true })), in a real child process on the built
// library (dist/, as the apps run it): lines wait for 4 KiB or 100 ms, and none is lost when the process ends.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const logger = new URL('../../../../dist/libs/platform/src/logging/logger.js', import.meta.url).href;

/** Runs `body` in a child with `log` a buffered logger; resolves with its stdout lines and when each chunk came. */
function runChild(body: string): Promise<{ lines: string[]; chunksAt: number[]; exitedAt: number; code: number | null }> {
  const script = join(mkdtempSync(join(tmpdir(), 'logger-buffered-')), 'child.mjs');
  writeFileSync(
    script,
    `import { createLogger } from '${logger}';\nconst log = createLogger({ app: 'probe', buffered: true });\n${body}\n`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const chunksAt: number[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      chunksAt.push(Date.now());
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ lines: out.split('\n').filter(Boolean), chunksAt, exitedAt: Date.now(), code }));
  });
}

const messages = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('createLogger({ buffered: true })', () => {
  it('writes what it gathered when the process exits at once', async () => {
    const run = await runChild(`log.info('one'); log.info('two'); log.warn('three'); process.exit(0);`);
    expect(messages(run.lines)).toEqual(['one', 'two', 'three']);
  });

  it('writes a lone line within its flush interval, not only at exit', async () => {
    const run = await runChild(`log.info('early'); setTimeout(() => log.info('late'), 1500);`);
    expect(messages(run.lines)).toEqual(['early', 'late']);
    // The first line came long before the process ended (100 ms interval; 1.5 s until the last line and the exit).
    expect(run.exitedAt - run.chunksAt[0]!).toBeGreaterThan(1000);
  });

  it('writes its lines when the process dies of an uncaught error', async () => {
    const run = await runChild(`log.error('before the crash'); setTimeout(() => { throw new Error('boom'); }, 10);`);
    expect(run.code).not.toBe(0);
    expect(messages(run.lines)).toEqual(['before the crash']);
  });
});
