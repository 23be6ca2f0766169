// CPU used by the processes a benchmark starts (and the broker it runs against), from Linux's /proc.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far (Linux clock ticks at 100 Hz). */
export const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** The pid of the first process whose command line contains `text` (e.g. 'kafka.Kafka'), or undefined. */
export function pidOf(text) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').includes(text)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
