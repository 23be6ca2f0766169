// A growth check for parsers and transforms: time one operation on inputs of size n, 4n and 16n (median of several
// runs each, after a warm-up) and compare the ratios, not absolute times. Linear work grows ~16x from n to 16n,
// quadratic work ~256x; the bound sits in between, so machine speed and load do not decide the outcome.
import { performance } from 'node:perf_hooks';

export interface Growth {
  /** Median milliseconds at n, 4n, 16n. */
  medians: [number, number, number];
  /** medians[2] / medians[0]. */
  ratio: number;
}

export function measureGrowth<T>(build: (scale: number) => T, run: (input: T) => unknown, runs = 7): Growth {
  const median = (scale: number) => {
    const input = build(scale);
    run(input); // warm-up
    const times: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const started = performance.now();
      run(input);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  };
  const medians: [number, number, number] = [median(1), median(4), median(16)];
  return { medians, ratio: medians[2] / Math.max(medians[0], 0.001) };
}

/** Linear (with room for noise and cache effects): 16x the input may cost up to 64x the time, not ~256x. */
export const LINEAR_BOUND = 64;
