// The benchmarks' command line: `-- --name value --other value` → { name: 'value', other: 'value' }.
export function benchArgs(argv = process.argv.slice(2)) {
  return Object.fromEntries(
    argv
      .join(' ')
      .split('--')
      .map((a) => a.trim())
      .filter(Boolean)
      .map((a) => {
        const [key, ...value] = a.split(/\s+/);
        return [key, value.join(' ')];
      }),
  );
}

/** The broker and registry the benchmarks use: KAFKA_BROKERS / SCHEMA_REGISTRY_URL, else `npm run kafka:up`'s. */
export function benchKafka(env = process.env) {
  return {
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    registryUrl: env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  };
}
