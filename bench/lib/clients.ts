/**
 * The BitTorrent clients of the end-to-end benchmarks, each started as its own process on
 * loopback: shoal (`shoal download`/`seed`, or the engine runner until the CLI has them),
 * libtorrent (test/interop/peers/lt_peer.py, its high-performance preset) and aria2.
 * A leech returns wall seconds from spawn to "complete", CPU seconds and peak RSS.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../../test/helpers/cli.js';
import { waitHandshake } from '../../test/helpers/handshake-probe.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import { ShoalProc, shoalBackend } from '../../test/helpers/shoal-proc.js';
import { Aria2Peer, freePort } from '../../test/interop/peers/aria2.js';
import { LtPeer } from '../../test/interop/peers/libtorrent.js';
import { Sampler, type Usage } from './proc.js';

export interface LeechResult extends Usage {
  seconds: number;
}

export interface RunningSeeder {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

const LT_SCRIPT = join(repoRoot, 'test', 'interop', 'peers', 'lt_peer.py');

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
 * `shoal download TORRENT -o OUT --peer … --json`: timed to its 'done' event (every piece
 * verified on disk), like the others' completion signals; its exit code must then be 0.
 */
export async function shoalLeech(torrent: string, out: string, peers: string[], limitMs: number): Promise<LeechResult> {
  const t0 = performance.now();
  const p = ShoalProc.download(torrent, { out, peers, json: true });
  const s = new Sampler(p.pid, true).start();
  try {
    const done = p.next((e) => e.kind === 'done').then(() => 'done' as const, () => 'exit' as const);
    await settle(Promise.race([done, p.exited.then(() => 'exit' as const)]), limitMs, 'shoal download');
    const seconds = (performance.now() - t0) / 1000;
    const u = s.stop();
    const code = await settle(p.exited, 60_000, 'shoal download exit after done');
    if (code !== 0) throw new Error(`shoal download exited ${code}: ${p.stderr.trim().slice(-400)}`);
    return { seconds, ...u };
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
  const p = ShoalProc.seed(torrent, dataPath, { port });
  await p.listening(port, 120_000);
  // Listening is not enough: the torrent answers handshakes only once its data is checked.
  await waitHandshake(port, parseTorrent(await readFile(torrent)).infoHash.bytes, 120_000);
  return { port, pid: p.pid, stop: async () => void (await p.stop('SIGINT')) };
}
