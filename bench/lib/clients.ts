/**
 * The BitTorrent clients of the end-to-end benchmarks, each started as its own process on
 * loopback: shoal (`shoal download`/`seed`, or the engine runner until the CLI has them),
 * libtorrent (test/interop/peers/lt_peer.py, its high-performance preset) and aria2.
 * A leech returns wall seconds from spawn to "complete", CPU seconds and peak RSS.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { repoRoot } from '../../test/helpers/cli.js';
import { waitHandshake } from '../../test/helpers/handshake-probe.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import { ShoalProc, shoalBackend } from '../../test/helpers/shoal-proc.js';
import { Aria2Peer, freePort } from '../../test/interop/peers/aria2.js';
import { LtPeer } from '../../test/interop/peers/libtorrent.js';
import { Sampler, type Usage } from './proc.js';
import { webtorrentDir, webtorrentEntry } from '../webtorrent-peer.js';

export interface LeechResult extends Usage {
  seconds: number;
  /** shoal only: seconds until its data was also flushed to disk (fsync) and the process exited. */
  durableSeconds?: number;
}

export interface RunningSeeder {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

const LT_SCRIPT = join(repoRoot, 'test', 'interop', 'peers', 'lt_peer.py');

/** Like the reference clients here (REFERENCE-CLIENTS.md), shoal runs without DHT and LSD. */
export const SHOAL_QUIET_NET = ['--no-dht', '--no-lsd'];

/** How shoal is being run ('cli' or 'runner'), or why it cannot be. */
export function shoalHow(command: 'download' | 'seed'): string {
  const b = shoalBackend(command);
  return 'backend' in b ? (b.backend === 'cli' ? 'shoal CLI (dist/cli/main.js)' : 'shoal engine via build/test/helpers/engine-runner.js (no CLI command yet)') : `unavailable: ${b.missing}`;
}

export function shoalAvailable(command: 'download' | 'seed'): boolean {
  return 'backend' in shoalBackend(command);
}

function settle<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: no result within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(t));
}

/**
 * `shoal download TORRENT -o OUT --peer … --json`: timed to its 'complete' event (every piece
 * verified and written, not yet flushed), the point libtorrent's finished state and aria2's
 * completion mark; CPU and RSS are sampled to that point too. It then fsyncs the data, writes
 * its resume file and exits (`durableSeconds`), which the others do not wait for; its exit
 * code must be 0.
 */
export async function shoalLeech(torrent: string, out: string, peers: string[], limitMs: number): Promise<LeechResult> {
  const t0 = performance.now();
  const p = ShoalProc.download(torrent, { out, peers, json: true, extraArgs: SHOAL_QUIET_NET });
  const s = new Sampler(p.pid, true).start();
  try {
    const complete = p.next((e) => e.kind === 'complete').then(() => 'complete' as const, () => 'exit' as const);
    await settle(Promise.race([complete, p.exited.then(() => 'exit' as const)]), limitMs, 'shoal download');
    const seconds = (performance.now() - t0) / 1000;
    const u = s.stop();
    const code = await settle(p.exited, 60_000, 'shoal download exit after complete');
    if (code !== 0) throw new Error(`shoal download exited ${code}: ${p.stderr.trim().slice(-400)}`);
    return { seconds, durableSeconds: (performance.now() - t0) / 1000, ...u };
  } finally {
    s.stop();
    await p.stop('SIGKILL');
  }
}

/** A libtorrent leecher (fast preset), progress polled every 50 ms so completion is seen promptly. */
export async function ltLeech(torrent: string, out: string, peers: string[], limitMs: number): Promise<LeechResult> {
  const args = [LT_SCRIPT, '--torrent', torrent, '--save', out, '--mode', 'leech', '--fast', '--exit-on-finish', '--interval', '0.05'];
  for (const peer of peers) args.push('--peer', peer);
  const t0 = performance.now();
  const child = spawn('/usr/bin/python3', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const s = new Sampler(child.pid ?? 0, true).start();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  try {
    await settle(
      new Promise<void>((res, rej) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line.includes('"finished"')) res();
        });
        child.on('exit', (code) => rej(new Error(`libtorrent leecher exited ${code} before finishing: ${stderr.slice(-300)}`)));
      }),
      limitMs,
      'libtorrent leecher',
    );
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, ...s.stop() };
  } finally {
    s.stop();
    child.stdin.end();
    if (child.exitCode === null) {
      const k = setTimeout(() => child.kill('SIGKILL'), 5000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(k);
    }
  }
}

/** An aria2 leecher that learns its peers from `trackerUrl`. */
export async function aria2Leech(torrent: string, out: string, trackerUrl: string, limitMs: number): Promise<LeechResult> {
  const t0 = performance.now();
  const a = await Aria2Peer.start({ torrent, dir: out, mode: 'leech', trackers: [trackerUrl], fast: true });
  const s = new Sampler(a.pid, true).start();
  try {
    await settle(a.finished(), limitMs, 'aria2 leecher');
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, ...s.stop() };
  } finally {
    s.stop();
    await a.stop();
  }
}

/** A libtorrent seeder (fast preset, seed mode: no hash check), ready for connections. */
export async function ltSeeder(torrent: string, dir: string): Promise<RunningSeeder> {
  const lt = await LtPeer.start({ torrent, save: dir, mode: 'seed', fast: true, seedMode: true });
  // It hangs up on incoming peers for a moment after start ("no active torrents").
  await waitHandshake(lt.port, parseTorrent(await readFile(torrent)).infoHash.bytes, 30_000);
  return { port: lt.port, pid: lt.child.pid ?? 0, stop: () => lt.stop() };
}

/** `shoal seed TORRENT PATH --port N`, ready for connections. */
export async function shoalSeeder(torrent: string, dataPath: string): Promise<RunningSeeder> {
  const port = await freePort();
  const p = ShoalProc.spawn(['seed', torrent, dataPath, '--port', String(port), ...SHOAL_QUIET_NET]);
  await p.listening(port, 120_000);
  // Listening is not enough: the torrent answers handshakes only once its data is checked.
  await waitHandshake(port, parseTorrent(await readFile(torrent)).infoHash.bytes, 120_000);
  return { port, pid: p.pid, stop: async () => void (await p.stop('SIGINT')) };
}

const WT_SCRIPT = fileURLToPath(new URL('../webtorrent-peer.js', import.meta.url));

/** Undefined when WebTorrent can be run, else why not (with how to install it). */
export function webtorrentMissing(): string | undefined {
  if (webtorrentEntry() !== undefined) return undefined;
  return (
    `WebTorrent: not run (no node_modules/webtorrent under ${webtorrentDir()}). Install it outside the repo's dependencies: ` +
    `mkdir -p .bench/webtorrent && cd .bench/webtorrent && npm init -y && npm install --ignore-scripts --no-audit --no-fund webtorrent@3 ` +
    `(or point SHOAL_WEBTORRENT_DIR at such a folder).`
  );
}

/** bench/webtorrent-peer.js as a child process; resolves once it listens. */
function startWt(args: string[]): Promise<{ child: ReturnType<typeof spawn>; port: number; finished: Promise<void>; stderr: () => string }> {
  const child = spawn(process.execPath, [WT_SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let onFinished!: () => void;
  let onFailed!: (e: Error) => void;
  const finished = new Promise<void>((res, rej) => ((onFinished = res), (onFailed = rej)));
  finished.catch(() => {});
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let ev: { event?: string; port?: number; message?: string };
      try {
        ev = JSON.parse(line) as typeof ev;
      } catch {
        return;
      }
      if (ev.event === 'listening') resolve({ child, port: ev.port ?? 0, finished, stderr: () => stderr });
      else if (ev.event === 'finished') onFinished();
      else if (ev.event === 'error') onFailed(new Error(`webtorrent: ${ev.message}`));
    });
    child.on('exit', (code) => {
      const e = new Error(`webtorrent-peer exited ${code}: ${stderr.trim().slice(-300)}`);
      reject(e);
      onFailed(e);
    });
  });
}

async function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  child.stdin?.end();
  if (child.exitCode !== null || child.signalCode !== null) return;
  const k = setTimeout(() => child.kill('SIGKILL'), 5000);
  await new Promise((r) => child.once('exit', r));
  clearTimeout(k);
}

/** A WebTorrent leecher dialling `peers` (its default, sequential piece strategy). */
export async function wtLeech(torrent: string, out: string, peers: string[], limitMs: number): Promise<LeechResult> {
  const args = ['--torrent', torrent, '--save', out, '--mode', 'leech'];
  for (const p of peers) args.push('--peer', p);
  const t0 = performance.now();
  const wt = await startWt(args);
  const s = new Sampler(wt.child.pid ?? 0, true).start();
  try {
    await settle(wt.finished, limitMs, 'webtorrent leecher');
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, ...s.stop() };
  } finally {
    s.stop();
    await stopChild(wt.child);
  }
}

/** A WebTorrent seeder (skipVerify: trusts the data like libtorrent's seed mode), ready for connections. */
export async function wtSeeder(torrent: string, dir: string): Promise<RunningSeeder> {
  const wt = await startWt(['--torrent', torrent, '--save', dir, '--mode', 'seed']);
  await waitHandshake(wt.port, parseTorrent(await readFile(torrent)).infoHash.bytes, 60_000);
  return { port: wt.port, pid: wt.child.pid ?? 0, stop: () => stopChild(wt.child) };
}
