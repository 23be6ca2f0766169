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

/**
 * The whole machine's CPU time so far, by kind (Linux /proc/stat, all CPUs, clock ticks). `steal` is time the
 * hypervisor ran something else while this VM had work: on this shared VM it swings from a few % to over a quarter
 * within an hour, and every process's CPU per operation rises with it, so the benchmarks print it beside their runs.
 */
export function machineTicks() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  return { user: user + nice, system: system + irq + softirq, idle: idle + iowait, steal };
}

/** Shares (0–1) of the machine's time between two machineTicks() readings: busy (user + system), idle, steal. */
export function machineShares(before, after) {
  const d = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
  const total = Math.max(1, d.user + d.system + d.idle + d.steal);
  return { busy: (d.user + d.system) / total, idle: d.idle / total, steal: d.steal / total };
}

/** "busy 71 %, steal 12 %" for a machineShares() result. */
export const describeShares = (s) => `machine busy ${Math.round(100 * s.busy)} %, steal ${Math.round(100 * s.steal)} %`;
