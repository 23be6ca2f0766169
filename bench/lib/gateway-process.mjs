// The built gateway (dist/) as a child process for the benchmarks: started on free ports (read from its start-up
// log line), with the broker and registry of bench-args.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/**
 * Starts dist/apps/mllp-gateway with `env` over the defaults below; BENCH_GATEWAY_ENV (k=v,k=v) and
 * BENCH_GATEWAY_NODE_ARGS override from the command line. Resolves once it listens: { child, port, httpPort, logFile }.
 */
export async function startGateway({ brokers, registryUrl, env = {} }) {
  const merged = {
    ...process.env,
    KAFKA_BROKERS: brokers.join(','),
    SCHEMA_REGISTRY_URL: registryUrl,
    MLLP_HOST: '127.0.0.1',
    MLLP_PORT: '0',
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    LOG_HASH_KEY: 'benchmark-hash-key-0000',
    ...env,
    ...(process.env.BENCH_GATEWAY_ENV ? Object.fromEntries(process.env.BENCH_GATEWAY_ENV.split(',').map((kv) => kv.split('='))) : {}),
  };
  const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // Its log goes to a file, as a container's would, not through a pipe into the benchmark's process: reading a
  // busy gateway's per-message log lines cost the measuring process most of a core (issue #14).
  const logFile = join(mkdtempSync(join(tmpdir(), 'hl7r-bench-gateway-')), 'gateway.log');
  const out = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--disable-warning=TimeoutNegativeWarning', join(root, 'dist/apps/mllp-gateway/src/main.js')],
    // info, the default in deployments (one line per stored message); its start-up line carries the ports.
    { env: { ...merged, LOG_LEVEL: 'info' }, stdio: ['ignore', out, 'inherit'] },
  );
  closeSync(out);
  let exited;
  child.on('exit', (code) => (exited = code ?? 'a signal'));
  for (;;) {
    const match = /"mllpPort":(\d+),"httpPort":(\d+)/.exec(readFileSync(logFile, 'utf8'));
    if (match) return { child, port: Number(match[1]), httpPort: Number(match[2]), logFile };
    if (exited !== undefined) throw new Error(`gateway exited with ${exited}; its log: ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resident set size of a process, in MiB (Linux). */
export const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
