// `npm run router:bootstrap -- --target <name> [--timeout-ms 600000]`: asks the running router to write every
// patient's current state to a target's topic (ADT^A31 snapshots), then to route live traffic to it. Same
// environment as the router (KAFKA_*, ROUTES_FILE, APPLICATION_ID). Exit codes: 0 done, 1 failed, 2 bad usage/config.
import { parseArgs } from 'node:util';
import { ConfigError, kafkaConnection } from '@lib/platform';
import { createKafkaClient } from '@lib/kafka';
import { internalTopics, loadRouterConfig } from '../router-config.js';
import { loadRoutes } from '../routes/route-config.js';
import { BootstrapError, requestBootstrap } from './bootstrap-client.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
let args;
try {
  args = parseArgs({ options: { target: { type: 'string' }, 'timeout-ms': { type: 'string', default: '600000' } } }).values;
  if (!args.target) throw new Error('--target <name> is required');
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nusage: npm run router:bootstrap -- --target <name> [--timeout-ms N]\n`);
  process.exit(2);
}
try {
  const config = loadRouterConfig(process.env);
  const routes = await loadRoutes(config.ROUTES_FILE);
  const target = routes.find((t) => t.name === args.target);
  if (!target)
    throw new ConfigError(config.ROUTES_FILE, [`no target named ${args.target} (targets: ${routes.map((t) => t.name).join(', ')})`]);
  const kafka = createKafkaClient(kafkaConnection(config));
  out(`bootstrapping ${target.name} (topic ${target.topic}, starts ${target.start}) through ${config.APPLICATION_ID}`);
  const started = Date.now();
  const summary = await requestBootstrap(kafka, internalTopics(config), target.name, {
    timeoutMs: Number(args['timeout-ms']),
    onProgress: (p, done, partitions) => out(`  partition ${p.partition}: ${p.patients} patients (${done}/${partitions} partitions done)`),
  });
  out(
    `done: ${summary.patients} patient snapshots over ${summary.partitions} partitions in ${((Date.now() - started) / 1000).toFixed(1)} s; ${target.name} is live`,
  );
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof BootstrapError) {
    process.stderr.write(
      `bootstrap failed: ${error.message} (${error.context.partitionsDone}/${error.context.partitions} partitions answered)\n`,
    );
    process.exit(1);
  }
  throw error;
}
