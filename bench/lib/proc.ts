/**
 * Process measurements for the end-to-end benchmarks (Linux /proc): CPU seconds
 * (utime + stime) and peak resident memory (VmHWM) of a running process, sampled so that
 * long-lived seeders can be measured over a window too.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { procMemory } from '../../test/helpers/proc-status.js';

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User and system CPU seconds of `pid` so far (its threads included), or undefined if gone. */
export function cpuTimes(pid: number): { user: number; sys: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the ')' that closes the command name: state is field 3; utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]) / TICKS, sys: Number(rest[12]) / TICKS };
}

/** User + system CPU seconds of `pid` so far (its threads included), or undefined if gone. */
export function cpuSeconds(pid: number): number | undefined {
  const t = cpuTimes(pid);
  return t && t.user + t.sys;
}

/**
 * Memory of `pid` in bytes: `hwm` = peak resident set (VmHWM), which counts file pages a
 * client maps (libtorrent 2 mmaps the files it serves and writes, so its VmHWM grows with
 * the torrent); `anon` = resident anonymous memory now (RssAnon: heap, buffers), the fairer
 * figure across clients. Undefined if the process is gone.
 */
export function memory(pid: number): { hwm: number; anon: number } | undefined {
  const m = procMemory(pid);
  return m && { hwm: m.hwm, anon: m.anon };
}

export interface Usage {
  /** CPU seconds over the window (from `start` to the last sample). */
  cpu: number;
  /**
   * The system (kernel) part of `cpu`. On the VM the figures were taken on it is the
   * noisiest part: touching freshly allocated page-cache memory is sometimes several
   * times slower, for every client alike.
   */
  sys: number;
  /** Largest VmHWM seen (peak resident set, file-backed mappings included), bytes. */
  rss: number;
  /** Largest RssAnon sampled (anonymous resident memory), bytes. */
  anon: number;
}

/**
 * Samples one process every `everyMs` until `stop()`. With `fromZero` the CPU count starts
 * at the process's start (a leecher launched for the measurement); otherwise at `start()`
 * (a seeder already running). A process that exits loses at most one interval of CPU.
 */
export class Sampler {
  private first = { user: 0, sys: 0 };
  private last = { user: 0, sys: 0 };
  private rss = 0;
  private anon = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pid: number,
    private readonly fromZero: boolean,
    private readonly everyMs = 50,
  ) {}

  start(): this {
    const c = cpuTimes(this.pid) ?? { user: 0, sys: 0 };
    this.first = this.fromZero ? { user: 0, sys: 0 } : c;
    this.last = c;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  private sample(): void {
    const c = cpuTimes(this.pid);
    if (c !== undefined) this.last = c;
    const m = memory(this.pid);
    if (m && m.hwm > this.rss) this.rss = m.hwm;
    if (m && m.anon > this.anon) this.anon = m.anon;
  }

  stop(): Usage {
    this.sample();
    clearInterval(this.timer);
    const sys = this.last.sys - this.first.sys;
    return { cpu: this.last.user - this.first.user + sys, sys, rss: this.rss, anon: this.anon };
  }
}

/** Debian packages the benchmarks need, with the ones missing here. */
export function missingPackages(needs: ('libtorrent' | 'aria2')[]): { pkg: string; why: string }[] {
  const out: { pkg: string; why: string }[] = [];
  if (needs.includes('libtorrent') && spawnSync('/usr/bin/python3', ['-c', 'import libtorrent'], { stdio: 'ignore' }).status !== 0) {
    out.push({ pkg: 'python3-libtorrent', why: 'the libtorrent seeders and reference leecher' });
  }
  if (needs.includes('aria2') && spawnSync('aria2c', ['--version'], { stdio: 'ignore' }).status !== 0) {
    out.push({ pkg: 'aria2', why: 'the aria2 leecher' });
  }
  return out;
}

/**
 * Runs the clients without NODE_EXTRA_CA_CERTS, and says so. Node parses the whole file it
 * names when the process starts, before any script runs: a machine that points it at the
 * system bundle (this one: 144 certificates) adds about 50 ms of CPU to every Node client
 * (measured: `node -e 1` 0.07-0.08 s with it, 0.02 s without), which no user of a
 * downloaded-once client pays and which has nothing to do with the engines compared.
 */
export function withoutExtraCaCerts(): void {
  const v = process.env['NODE_EXTRA_CA_CERTS'];
  if (v === undefined || v === '') return;
  delete process.env['NODE_EXTRA_CA_CERTS'];
  console.log(`NODE_EXTRA_CA_CERTS (${v}) is unset for the clients: Node would parse it at every start.`);
}
