import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventually } from '@lib/kafka/testing';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** One built app (dist/) running as a child process, its output in a log file for when a test fails. */
export class AppProcess {
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts `dist/<entry>` (e.g. 'apps/router/src/main.js') with `env` added to this process's environment. */
  static start(entry: string, env: Record<string, string>, logFile: string): AppProcess {
    const path = `${root}dist/${entry}`;
    if (!existsSync(path)) throw new Error(`${path} is missing: run the tests through npm test, which builds dist/ first`);
    return AppProcess.spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', path], { ...process.env, ...env }, logFile);
  }

  /** Starts any command in the repository root with exactly `env` (nothing inherited). */
  static spawn(command: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): AppProcess {
    const log = openSync(logFile, 'a');
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', log, log] });
    return new AppProcess(child, logFile);
  }

  /** Waits until GET `url` answers 200; fails at once, with the log, if the process exits first. */
  async untilReady(url: string, timeoutMs: number, what: string): Promise<void> {
    await eventually(
      async () => {
        if (!this.running) throw new Error(`${what}: the process exited (${this.child.exitCode}):\n${readFileSync(this.logFile, 'utf8')}`);
        const response = await fetch(url).catch(() => undefined);
        return response?.status === 200 ? true : undefined;
      },
      timeoutMs,
      what,
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code (null when killed by a signal). */
  async stop(graceMs = 15000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
