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
