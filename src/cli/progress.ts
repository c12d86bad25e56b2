import { formatBytes, formatDuration, formatRate } from './format.js';

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  /** Where to draw; stderr so that stdout stays clean for results and --json. */
  readonly stream?: NodeJS.WriteStream;
  /** Force plain line output (no redraw) even on a TTY. */
  readonly plain?: boolean;
  /** Draw nothing at all. */
  readonly quiet?: boolean;
}

/**
 * A byte-progress display: a redrawn bar on a TTY (at most 10 redraws a second), or one
 * plain line every few seconds otherwise, so logs stay readable.
 */
export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly started = performance.now();
  private lastDraw = 0;
  private done = 0;
  private drawn = false;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = !opts.plain && this.stream.isTTY === true;
  }

  update(done: number): void {
    this.done = done;
    if (this.opts.quiet) return;
    const now = performance.now();
    if (now - this.lastDraw < (this.tty ? 100 : 5000)) return;
    this.lastDraw = now;
    this.draw(now);
  }

  /** Final redraw at 100 % (or where it stopped) and a newline on a TTY. */
  finish(): void {
    if (this.opts.quiet) return;
    if (this.tty) {
      this.draw(performance.now());
      this.stream.write('\n');
    } else if (this.drawn) {
      this.draw(performance.now());
    }
  }

  private draw(now: number): void {
    this.drawn = true;
    const { total, label } = this.opts;
    const frac = total > 0 ? Math.min(1, this.done / total) : 1;
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const eta = rate > 0 ? (total - this.done) / rate : Infinity;
    const pct = `${(frac * 100).toFixed(1).padStart(5)}%`;
    const nums = `${formatBytes(this.done)} / ${formatBytes(total)}  ${formatRate(rate)}  ETA ${formatDuration(eta)}`;
    if (this.tty) {
      const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - label.length - nums.length - 14));
      const fill = Math.round(frac * width);
      this.stream.write(`\r\x1b[K${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}  ${nums}`);
    } else {
      this.stream.write(`${label} ${pct.trim()}  ${nums}\n`);
    }
  }
}

/** Swarm health for a status line: 'swarm 100% min 1 dc 1.75 single 8'. */
export function healthText(h: { swarmFraction: number; leastReplication: number; meanReplication: number; singleHolderCount: number }): string {
  // Rounded down: a swarm missing one piece never shows 100%.
  const swarm = `${Math.floor(h.swarmFraction * 1000) / 10}%`;
  return `swarm ${swarm} min ${h.leastReplication} dc ${h.meanReplication.toFixed(2)}${h.singleHolderCount > 0 ? ` single ${h.singleHolderCount}` : ''}`;
}
