// npm run adapter:replay -- <name> [--partition P] [--from-offset N] [--to-offset M] [--since ISO] [--until ISO] [--stage S]
// Re-drives an adapter's dead letters after a fix: the selected records of hl7.dlq.<name>.v1 go back to its source
// topic (original key, value and headers, plus hl7.replay-of), where the running adapter processes them again.
// Same environment as the adapter (KAFKA_*, DEAD_LETTER_TOPIC, SOURCE_TOPIC, ...). Exit: 0 done, 2 bad usage/config.
import { parseArgs } from 'node:util';
import { builtAdapter, root } from './lib/built-adapter.mjs';

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      partition: { type: 'string' },
      'from-offset': { type: 'string' },
      'to-offset': { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      stage: { type: 'string' },
    },
  });
  if (parsed.positionals.length !== 1) throw new Error('give one adapter name');
} catch (error) {
  process.stderr.write(
    `${error.message}\nusage: npm run adapter:replay -- <name> [--partition P] [--from-offset N] [--to-offset M] [--since ISO] [--until ISO] [--stage S]\n`,
  );
  process.exit(2);
}
const name = parsed.positionals[0];
const { adapter, sdk } = await builtAdapter(name);
const { ConfigError, kafkaConnection } = await import(`${root}dist/libs/platform/src/index.js`);
const { createKafkaClient } = await import(`${root}dist/libs/kafka/src/index.js`);
let config;
try {
  config = sdk.loadAdapterConfig(adapter, process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const v = parsed.values;
const time = (text) => {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    process.stderr.write(`not a date/time: ${text}\n`);
    process.exit(2);
  }
  return ms;
};
const selection = {
  ...(v.partition !== undefined ? { partition: Number(v.partition) } : {}),
  ...(v['from-offset'] !== undefined ? { fromOffset: BigInt(v['from-offset']) } : {}),
  ...(v['to-offset'] !== undefined ? { toOffset: BigInt(v['to-offset']) } : {}),
  ...(v.since !== undefined ? { since: time(v.since) } : {}),
  ...(v.until !== undefined ? { until: time(v.until) } : {}),
  ...(v.stage !== undefined ? { stage: v.stage } : {}),
};
const kafka = createKafkaClient(kafkaConnection(config));
process.stdout.write(`reading ${config.DEAD_LETTER_TOPIC} (up to its current end) ...\n`);
const { read, replayed } = await sdk.replayDeadLetters(kafka, {
  deadLetterTopic: config.DEAD_LETTER_TOPIC,
  sourceTopic: config.SOURCE_TOPIC,
  selection,
  groupPrefix: `hl7-adapter-${name}-replay`,
});
process.stdout.write(`${read} dead letters read, ${replayed} re-driven to ${config.SOURCE_TOPIC}\n`);
