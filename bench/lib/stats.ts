/** Small statistics and timing helpers shared by the benchmarks. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function min(values: readonly number[]): number {
  return values.reduce((a, b) => (b < a ? b : a), Infinity);
}

export function max(values: readonly number[]): number {
  return values.reduce((a, b) => (b > a ? b : a), -Infinity);
}

export interface RunOptions {
  /** Untimed calls before measuring. */
  readonly warmup: number;
  /** Calls per timed run. */
  readonly iterations: number;
  /** Timed runs; the median is reported. */
  readonly runs: number;
}

/**
 * Times `fn`: `warmup` untimed calls, then `runs` runs of `iterations` calls each.
 * Returns the milliseconds per call of every run.
 */
export function timeRuns(fn: () => unknown, opts: RunOptions): number[] {
  let sink: unknown;
  for (let i = 0; i < opts.warmup; i++) sink = fn();
  const perCall: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < opts.iterations; i++) sink = fn();
    const t1 = process.hrtime.bigint();
    perCall.push(Number(t1 - t0) / 1e6 / opts.iterations);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return perCall;
}

/** Formats bytes per millisecond as MB/s (10^6 bytes). */
export function mbps(bytes: number, ms: number): string {
  return `${(bytes / 1e3 / ms).toFixed(1)} MB/s`;
}
