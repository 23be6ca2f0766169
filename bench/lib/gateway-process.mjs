// The built gateway (dist/) as a child process for the benchmarks: started on free ports (read from its start-up
// log line), with the broker and registry of bench-args.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/**
 * Starts dist/apps/mllp-gateway with `env` over the defaults below; BENCH_GATEWAY_ENV (k=v,k=v) and
 * BENCH_GATEWAY_NODE_ARGS override from the command line. Resolves once it listens: { child, port, httpPort }.
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
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--disable-warning=TimeoutNegativeWarning', join(root, 'dist/apps/mllp-gateway/src/main.js')],
    // info: the start-up line carries the ports.
    { env: { ...merged, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [port, httpPort] = await new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const match = /"mllpPort":(\d+),"httpPort":(\d+)/.exec(buffer);
      if (match) resolve([Number(match[1]), Number(match[2])]);
    });
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  child.stdout.resume();
  return { child, port, httpPort };
}

/** Resident set size of a process, in MiB (Linux). */
export const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
