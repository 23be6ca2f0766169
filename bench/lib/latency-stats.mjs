// Percentiles and the latency summary every load process of the benchmarks prints.

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** { sent, msgPerSec, p50, p95, p99, max } of latencies (ms) measured over `seconds`; sorts `latencies`. */
export function latencySummary(latencies, seconds) {
  latencies.sort((a, b) => a - b);
  return {
    sent: latencies.length,
    msgPerSec: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
  };
}
