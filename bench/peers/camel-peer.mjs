// The Apache Camel peer (bench/peers/camel): built with Maven from Maven Central on first use, then started as a JVM
// of its own: MLLP on a free port → the given topic (acks=all, idempotent, linger.ms=0), AA once Kafka confirmed.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib/free-port.mjs';

const project = new URL('./camel/', import.meta.url).pathname;

/** Compiles the route and resolves its classpath (Maven; seconds once the jars are in ~/.m2). */
export function buildCamelPeer() {
  try {
    execFileSync('mvn', ['-B', '-q', 'compile', 'dependency:build-classpath', '-Dmdep.outputFile=target/classpath.txt'], {
      cwd: project,
      stdio: 'pipe',
    });
  } catch (error) {
    throw new Error(`building the Camel peer failed:\n${error.stdout}\n${error.stderr}`);
  }
  return `${join(project, 'target/classes')}:${readFileSync(join(project, 'target/classpath.txt'), 'utf8').trim()}`;
}

/** Starts the route for `topic` (which must exist). Resolves once it listens: { child, port, logFile }. */
export async function startCamelPeer({ classpath, brokers, topic }) {
  const port = await freePort();
  const logFile = join(mkdtempSync(join(tmpdir(), 'hl7r-bench-camel-')), 'camel.log');
  const out = openSync(logFile, 'w');
  const child = spawn('java', ['-Xmx512m', '-cp', classpath, 'bench.CamelMllpKafka', String(port), brokers.join(','), topic], {
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  for (const deadline = Date.now() + 60000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`the Camel peer exited; its log: ${logFile}`);
    if (existsSync(logFile) && readFileSync(logFile, 'utf8').includes('\nlistening')) return { child, port, logFile };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the Camel peer did not start within 60 s; its log: ${logFile}`);
}
