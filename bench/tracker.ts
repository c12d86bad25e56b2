// Tracker throughput: shoal vs opentracker, same run, UDP and HTTP (keep-alive).
// Run: node build/bench/tracker.js [--seconds 5] [--runs 3] [--torrents 1000] [--peers 100] [--inflight 64]
// Each tracker is pinned to core 0 (taskset), the load generator (bench/tracker/loadgen.ts, its
// own process) to core 1. Reported per run: answered announces/s, tracker CPU use during the
// window (utime+stime of all its threads) and announces per tracker CPU-second (its one-core
// capacity when the client, not the tracker, is the limit), and peak RSS (VmHWM). Medians.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeConnectRequest } from '../src/tracker/protocol/udp.js';
import { benchInfoHash } from './tracker/workload.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    torrents: { type: 'string', default: '1000' },
    peers: { type: 'string', default: '100' },
    inflight: { type: 'string', default: '64' },
    only: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const TORRENTS = Number(values.torrents);
const PEERS = Number(values.peers);
const INFLIGHT = Number(values.inflight);
const root = fileURLToPath(new URL('../../', import.meta.url));
const LOADGEN = join(root, 'build/bench/tracker/loadgen.js');
const RUN_TRACKER = join(root, 'build/test/interop/tracker/run-tracker.js');
const TICK = 100; // USER_HZ on Linux
const haveTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const haveOt = spawnSync('opentracker', ['-h']).error === undefined;

function pinned(core: number, cmd: string, args: string[]): [string, string[]] {
  return haveTaskset ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

function peakRssKb(pid: number): number {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return Number(m?.[1] ?? 0);
}

async function ready(port: number, proto: 'udp' | 'http'): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      if (proto === 'http') {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      } else {
        const s = createSocket('udp4');
        const t = setTimeout(() => (s.close(), resolve(false)), 200);
        s.once('message', () => (clearTimeout(t), s.close(), resolve(true)));
        s.send(encodeConnectRequest(1), port, '127.0.0.1');
      }
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tracker on ${port} not ready`);
}

let nextPort = 21000 + Math.floor(Math.random() * 20000);

interface Result {
  rate: number;
  cpu: number;
  perCpuSec: number;
  rssMb: number;
  errors: number;
}

async function once(impl: 'shoal' | 'opentracker', proto: 'udp' | 'http', dir: string): Promise<Result> {
  const port = nextPort++;
  let child: ChildProcess;
  if (impl === 'shoal') {
    const [c, a] = pinned(0, process.execPath, [RUN_TRACKER, '--host', '127.0.0.1', '--http', String(port), '--udp', String(port)]);
    child = spawn(c, a, { stdio: 'ignore' });
  } else {
    const asRoot = process.getuid?.() === 0;
    const args = ['-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-w', asRoot ? '/whitelist.txt' : join(dir, 'whitelist.txt')];
    if (asRoot) args.push('-u', 'nobody', '-d', dir);
    const [c, a] = pinned(0, 'opentracker', args);
    child = spawn(c, a, { stdio: 'ignore' });
  }
  try {
    await ready(port, proto);
    const pid = child.pid!;
    const [c, a] = pinned(1, process.execPath, [LOADGEN, JSON.stringify({ proto, port, seconds: SECONDS, warmup: 1, inflight: INFLIGHT, torrents: TORRENTS, peersPerTorrent: PEERS, numWant: 50 })]);
    const gen = spawn(c, a, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let t0 = 0;
    let w0 = 0;
    // CPU is sampled from 1 s (the warm-up) to the end of the window.
    const startTimer = setTimeout(() => {
      t0 = cpuTicks(pid);
      w0 = performance.now();
    }, 1000 + 150);
    let t1 = 0;
    let w1 = 0;
    gen.stdout!.on('data', (d: Buffer) => {
      if (t1 === 0) {
        t1 = cpuTicks(pid);
        w1 = performance.now();
      }
      out += d.toString();
    });
    await new Promise((r) => gen.once('exit', r));
    clearTimeout(startTimer);
    const r = JSON.parse(out.trim().split('\n').pop()!) as { rate: number; errors: number };
    const cpu = (t1 - t0) / TICK / ((w1 - w0) / 1000);
    return { rate: r.rate, cpu, perCpuSec: r.rate / Math.max(cpu, 0.01), rssMb: peakRssKb(pid) / 1024, errors: r.errors };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-tracker-'));
chmodSync(dir, 0o755);
writeFileSync(join(dir, 'whitelist.txt'), Array.from({ length: TORRENTS }, (_, i) => benchInfoHash(i).toString('hex')).join('\n') + '\n', { mode: 0o644 });
console.log(`tracker bench: ${TORRENTS} torrents x ${PEERS} peers, numwant 50, ${INFLIGHT} in flight, ${SECONDS} s x ${RUNS} runs; tracker on core 0, load generator on core 1${haveTaskset ? '' : ' (taskset missing: unpinned)'}`);
if (!haveOt) console.log('opentracker not installed: shoal figures only');
try {
  for (const proto of ['udp', 'http'] as const) {
    if (values.only && values.only !== proto) continue;
    const res: Record<string, Result[]> = { shoal: [], opentracker: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const impl of ['shoal', 'opentracker'] as const) {
        if (impl === 'opentracker' && !haveOt) continue;
        const x = await once(impl, proto, dir);
        res[impl]!.push(x);
        console.log(`  ${proto} ${impl.padEnd(11)} run ${r + 1}: ${x.rate.toFixed(0).padStart(7)} ann/s, tracker cpu ${(x.cpu * 100).toFixed(0)}%, ${x.perCpuSec.toFixed(0)} ann/cpu-s, peak rss ${x.rssMb.toFixed(0)} MB, errors ${x.errors}`);
      }
    }
    const m = (impl: string, k: keyof Result) => median(res[impl]!.map((x) => x[k]));
    console.log(`${proto.toUpperCase()} median: shoal ${m('shoal', 'rate').toFixed(0)} ann/s (${m('shoal', 'perCpuSec').toFixed(0)} per cpu-s, rss ${m('shoal', 'rssMb').toFixed(0)} MB)`);
    if (haveOt) {
      console.log(`${proto.toUpperCase()} median: opentracker ${m('opentracker', 'rate').toFixed(0)} ann/s (${m('opentracker', 'perCpuSec').toFixed(0)} per cpu-s, rss ${m('opentracker', 'rssMb').toFixed(0)} MB)`);
      const goal = proto === 'udp' ? 0.5 : 1;
      const ratio = m('shoal', 'rate') / m('opentracker', 'rate');
      const cpuRatio = m('shoal', 'perCpuSec') / m('opentracker', 'perCpuSec');
      console.log(`${proto.toUpperCase()} ratio shoal/opentracker: rate ${ratio.toFixed(2)}x, per tracker cpu-second ${cpuRatio.toFixed(2)}x (goal >= ${goal}x), peak rss ${(m('shoal', 'rssMb') / m('opentracker', 'rssMb')).toFixed(1)}x`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
