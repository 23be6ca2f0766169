// Runs one of the benchmarks' load processes (a Node script) to its end and returns the JSON line it printed last.
import { spawn } from 'node:child_process';

export function runChild(script, args, { env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--disable-warning=TimeoutNegativeWarning', script, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1);
      try {
        const result = JSON.parse(last);
        if (code !== 0) result.exitCode = code;
        resolve(result);
      } catch {
        reject(new Error(`${script} exited with ${code} and printed no result: ${out.slice(-500)}`));
      }
    });
  });
}
