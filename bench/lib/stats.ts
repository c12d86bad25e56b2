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

export interface Timing {
  /** Wall-clock milliseconds per call, one entry per run. */
  readonly wallMs: number[];
  /** Process CPU (user + system) milliseconds per call, one entry per run: steadier on a busy machine. */
  readonly cpuMs: number[];
}

/**
 * Times `fn`: `warmup` untimed calls, then `runs` runs of `iterations` calls each.
 * Returns wall-clock and CPU milliseconds per call for every run.
 */
export function timeRuns(fn: () => unknown, opts: RunOptions): Timing {
  let sink: unknown;
  for (let i = 0; i < opts.warmup; i++) sink = fn();
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < opts.iterations; i++) sink = fn();
    const t1 = process.hrtime.bigint();
    const c = process.cpuUsage(c0);
    wallMs.push(Number(t1 - t0) / 1e6 / opts.iterations);
    cpuMs.push((c.user + c.system) / 1e3 / opts.iterations);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return { wallMs, cpuMs };
}

/** Formats bytes per millisecond as MB/s (10^6 bytes). */
export function mbps(bytes: number, ms: number): string {
  return `${(bytes / 1e3 / ms).toFixed(1)} MB/s`;
}
