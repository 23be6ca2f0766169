import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', path], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', log, log],
    });
    return new AppProcess(child, logFile);
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
