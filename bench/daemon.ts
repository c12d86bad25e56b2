/**
 * The daemon with many idle seeding torrents (default 1,000 single-file torrents of 32 KiB):
 * restart time (spawn to API up, every torrent back, pieces hashed), idle CPU and RSS, and
 * API latency for list and get under that load. The daemon runs as its own process
 * (build/src/cli/main.js daemon); figures are medians over several restarts, printed with
 * their ratio against the goals of issue 5 (restart < 5 s without re-hashing, idle CPU < 2 %,
 * RSS < 300 MB).
 *
 *   node build/bench/daemon.js [--torrents 1000] [--runs 3] [--idle 20]
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encode } from '../src/bencode/index.js';
import { repoRoot } from '../test/helpers/cli.js';
import { cpuSeconds } from './lib/proc.js';
import { median } from './lib/stats.js';

const MAIN = join(repoRoot, 'build', 'src', 'cli', 'main.js');
const { values } = parseArgs({ options: { torrents: { type: 'string' }, runs: { type: 'string' }, idle: { type: 'string' } } });
const N = Number(values.torrents ?? 1000);
const RUNS = Number(values.runs ?? 3);
const IDLE_S = Number(values.idle ?? 20);
const SIZE = 32 * 1024;
const PIECE = 16 * 1024;

function torrentFor(name: string, data: Buffer): Buffer {
  const pieces: Buffer[] = [];
  for (let o = 0; o < data.length; o += PIECE) pieces.push(createHash('sha1').update(data.subarray(o, o + PIECE)).digest());
  const info = new Map<string, unknown>([
    ['length', data.length],
    ['name', Buffer.from(name)],
    ['piece length', PIECE],
    ['pieces', Buffer.concat(pieces)],
  ]);
  return Buffer.from(encode(new Map([['info', info]]) as never));
}

interface Proc {
  child: ChildProcess;
  port: number;
  out: string;
  wallMs: number;
  exited: Promise<number | null>;
}

async function start(dataDir: string, dl: string): Promise<Proc> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN, 'daemon', '--data', dataDir, '--download-dir', dl, '--port', '0', '--peer-port', '0', '--peer-host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let out = '';
  const port = await new Promise<number>((res, rej) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /restored in/.test(out) && /API http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) res(Number(m[1]));
    });
    void exited.then((c) => rej(new Error(`daemon exited ${c}: ${out}`)));
  });
  return { child, port, out, wallMs: performance.now() - t0, exited };
}

async function stop(p: Proc): Promise<number> {
  const t0 = performance.now();
  p.child.kill('SIGTERM');
  await p.exited;
  return performance.now() - t0;
}

function rssBytes(pid: number): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
}

async function latency(port: number, path: () => string, n: number): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch(`http://127.0.0.1:${port}${path()}`);
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`HTTP ${r.status} for ${path()}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: median(times), p95: times[Math.floor(times.length * 0.95)]! };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'shoal-bench-daemon-'));
  try {
    const dl = join(root, 'dl');
    const dataDir = join(root, 'data');
    await mkdir(dl, { recursive: true });
    const torrents: Buffer[] = [];
    for (let i = 0; i < N; i++) {
      const name = `file-${String(i).padStart(5, '0')}.bin`;
      const data = randomBytes(SIZE);
      await writeFile(join(dl, name), data);
      const t = torrentFor(name, data);
      torrents.push(t);
    }
    // First start: add every torrent through the API (each one hashes its file once).
    const first = await start(dataDir, dl);
    const t0 = performance.now();
    let next = 0;
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < N) {
          const t = torrents[next++]!;
          const r = await fetch(`http://127.0.0.1:${first.port}/api/v1/torrents`, { method: 'POST', body: t, headers: { 'Content-Type': 'application/x-bittorrent' } });
          const j = (await r.json()) as { infoHash?: string };
          if (r.status !== 201 || !j.infoHash) throw new Error(`add failed: ${r.status} ${JSON.stringify(j)}`);
          ids.push(j.infoHash);
        }
      }),
    );
    const addMs = performance.now() - t0;
    const firstStop = await stop(first);
    console.log(`setup: ${N} torrents of ${SIZE / 1024} KiB added over the API in ${(addMs / 1000).toFixed(1)} s (${(addMs / N).toFixed(1)} ms each); clean shutdown ${(firstStop / 1000).toFixed(1)} s`);

    const rows: { wall: number; restore: number; hashed: number; cpu: number; rss: number; list: number; listP95: number; get: number; getP95: number; stopMs: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      const p = await start(dataDir, dl);
      const m = /(\d+) torrents restored in (\d+) ms \((\d+) pieces hashed/.exec(p.out);
      if (!m || Number(m[1]) !== N) throw new Error(`unexpected restore line: ${p.out}`);
      const pid = p.child.pid!;
      // Let start-up work (resume files rewritten at start) settle, then measure idle.
      await new Promise((r) => setTimeout(r, 3000));
      const c0 = cpuSeconds(pid)!;
      const w0 = performance.now();
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      const cpu = (cpuSeconds(pid)! - c0) / ((performance.now() - w0) / 1000);
      const rss = rssBytes(pid);
      const list = await latency(p.port, () => '/api/v1/torrents', 30);
      const get = await latency(p.port, () => `/api/v1/torrents/${ids[Math.floor(Math.random() * ids.length)]!}`, 200);
      const stopMs = await stop(p);
      rows.push({ wall: p.wallMs, restore: Number(m[2]), hashed: Number(m[3]), cpu, rss, list: list.p50, listP95: list.p95, get: get.p50, getP95: get.p95, stopMs });
      console.log(
        `run ${run + 1}: up in ${(p.wallMs / 1000).toFixed(2)} s (restore ${m[2]} ms, ${m[3]} pieces hashed), idle CPU ${(cpu * 100).toFixed(2)} %, RSS ${(rss / 1048576).toFixed(0)} MB, ` +
          `list p50 ${list.p50.toFixed(1)} ms p95 ${list.p95.toFixed(1)} ms, get p50 ${get.p50.toFixed(2)} ms p95 ${get.p95.toFixed(2)} ms, shutdown ${(stopMs / 1000).toFixed(2)} s`,
      );
    }
    const med = (k: keyof (typeof rows)[number]): number => median(rows.map((r) => r[k]));
    console.log(`\nmedians over ${RUNS} restarts with ${N} seeding torrents (machine shared and noisy: rough figures)`);
    console.log(`  restart (spawn to API up, all torrents back): ${(med('wall') / 1000).toFixed(2)} s   goal 5 s   ratio ${(med('wall') / 5000).toFixed(2)}`);
    console.log(`  pieces hashed at restart:                     ${med('hashed')}        goal 0`);
    console.log(`  idle CPU:                                     ${(med('cpu') * 100).toFixed(2)} %   goal 2 %   ratio ${((med('cpu') * 100) / 2).toFixed(2)}`);
    console.log(`  RSS:                                          ${(med('rss') / 1048576).toFixed(0)} MB   goal 300 MB   ratio ${(med('rss') / 1048576 / 300).toFixed(2)}`);
    console.log(`  GET /api/v1/torrents (list of ${N}):           p50 ${med('list').toFixed(1)} ms, p95 ${med('listP95').toFixed(1)} ms`);
    console.log(`  GET /api/v1/torrents/HASH:                    p50 ${med('get').toFixed(2)} ms, p95 ${med('getP95').toFixed(2)} ms`);
    console.log(`  clean shutdown:                               ${(med('stopMs') / 1000).toFixed(2)} s`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
