// End-to-end `create` benchmark: shoal against mktorrent on one big file from the page cache.
// Usage: node build/bench/create.js [sizeMiB] [runs]     (defaults: 1024 MiB, 5 runs each)
// Needs /usr/bin/mktorrent; /usr/bin/time (GNU) for peak RSS. Runs `node dist/cli/main.js
// create` when dist/ is built, otherwise createTorrent through a tiny node script (it says which).
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFull, type BDict } from '../src/bencode/index.js';
import { median, min } from './lib/stats.js';

const sizeMiB = Number(process.argv[2] ?? 1024);
const runs = Number(process.argv[3] ?? 5);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const work = join(tmpdir(), 'shoal-bench-create');
const data = join(work, `data-${sizeMiB}MiB.bin`);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function makeData(): void {
  mkdirSync(work, { recursive: true });
  if (existsSync(data) && statSync(data).size === sizeMiB * 2 ** 20) return;
  console.log(`writing ${sizeMiB} MiB of random data to ${data} (once; reused by later runs)`);
  const chunk = Buffer.allocUnsafe(16 * 2 ** 20);
  const fd = openSync(data, 'w');
  for (let left = sizeMiB * 2 ** 20; left > 0; left -= chunk.length) {
    randomFillSync(chunk);
    writeSync(fd, chunk, 0, Math.min(left, chunk.length));
  }
  closeSync(fd);
}

function warm(): void {
  const buf = Buffer.allocUnsafe(16 * 2 ** 20);
  const fd = openSync(data, 'r');
  let pos = 0;
  for (let n; (n = readSync(fd, buf, 0, buf.length, pos)) > 0; ) pos += n;
  closeSync(fd);
}

interface Run {
  wall: number;
  rssKiB: number | undefined;
  /** user + system CPU seconds (less sensitive than wall time to a busy machine). */
  cpu: number | undefined;
}

function timed(cmd: string, args: string[]): Run {
  const full = TIME ? [TIME, ['-v', cmd, ...args]] as const : ([cmd, args] as const);
  const t0 = performance.now();
  const r = spawnSync(full[0], full[1], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  return { wall, rssKiB: m ? Number(m[1]) : undefined, cpu: user && sys ? Number(user[1]) + Number(sys[1]) : undefined };
}

function infoHash(torrentPath: string): string {
  const buf = readFileSync(torrentPath);
  const d = decodeFull(buf, { spans: true });
  const span = d.spans!.get((d.value as BDict).get('info') as BDict)!;
  return createHash('sha1').update(buf.subarray(span[0], span[1])).digest('hex');
}

function shoalCommand(out: string): [string, string[], string] {
  const cli = join(repo, 'dist/cli/main.js');
  const probe = spawnSync(process.execPath, [cli, 'create', '--help'], { encoding: 'utf8' });
  if (existsSync(cli) && probe.status === 0) {
    return [process.execPath, [cli, 'create', data, '-o', out, '--force', '--quiet', '--piece-length', '1048576', '-t', 'http://x/a'], 'node dist/cli/main.js create'];
  }
  const lib = ['dist/metainfo/create.js', 'build/src/metainfo/create.js'].map((p) => join(repo, p)).find((p) => existsSync(p))!;
  const script =
    `import { createTorrent } from ${JSON.stringify(lib)}; import { writeFileSync } from 'node:fs';` +
    `const r = await createTorrent(${JSON.stringify(data)}, { pieceLength: 1048576, announce: ['http://x/a'] });` +
    `writeFileSync(${JSON.stringify(out)}, r.torrent);`;
  return [process.execPath, ['--input-type=module', '-e', script], `createTorrent via a node script (${lib.slice(repo.length + 1)}), CLI not ready`];
}

if (spawnSync('mktorrent', ['-h']).error !== undefined) {
  console.error('mktorrent not found: install it (apt-get install mktorrent) to run this benchmark');
  process.exit(2);
}
makeData();
warm();
const mkOut = join(work, 'mktorrent.torrent');
const shOut = join(work, 'shoal.torrent');
const [shCmd, shArgs, shHow] = shoalCommand(shOut);
console.log(`file: ${sizeMiB} MiB, piece length 1 MiB, ${runs} runs each, alternating; shoal runs ${shHow}`);
const mk: Run[] = [];
const sh: Run[] = [];
for (let i = 0; i < runs; i++) {
  rmSync(mkOut, { force: true });
  mk.push(timed('mktorrent', ['-l', '20', '-a', 'http://x/a', '-o', mkOut, data]));
  rmSync(shOut, { force: true });
  sh.push(timed(shCmd, shArgs));
  const cpu = (r: Run): string => (r.cpu === undefined ? '' : ` (cpu ${r.cpu.toFixed(2)} s)`);
  console.log(`run ${i + 1}: mktorrent ${mk.at(-1)!.wall.toFixed(3)} s${cpu(mk.at(-1)!)}, shoal ${sh.at(-1)!.wall.toFixed(3)} s${cpu(sh.at(-1)!)}`);
}
const mkMed = median(mk.map((r) => r.wall));
const shMed = median(sh.map((r) => r.wall));
const rss = (rs: Run[]): string => (rs[0]!.rssKiB === undefined ? 'n/a (no /usr/bin/time)' : `${(Math.max(...rs.map((r) => r.rssKiB!)) / 1024).toFixed(1)} MB`);
const same = infoHash(mkOut) === infoHash(shOut);
console.log(`mktorrent median ${mkMed.toFixed(3)} s (${(sizeMiB / 1024 / mkMed).toFixed(2)} GiB/s), peak RSS ${rss(mk)}`);
console.log(`shoal     median ${shMed.toFixed(3)} s (${(sizeMiB / 1024 / shMed).toFixed(2)} GiB/s), peak RSS ${rss(sh)}`);
console.log(`ratio shoal/mktorrent ${(shMed / mkMed).toFixed(2)} (goal <= 1.2; peak RSS goal < 150 MB)`);
const mkMin = min(mk.map((r) => r.wall));
const shMin = min(sh.map((r) => r.wall));
console.log(`best runs (least disturbed): mktorrent ${mkMin.toFixed(3)} s, shoal ${shMin.toFixed(3)} s, ratio ${(shMin / mkMin).toFixed(2)}`);
if (mk[0]!.cpu !== undefined) {
  const mkCpu = median(mk.map((r) => r.cpu!));
  const shCpu = median(sh.map((r) => r.cpu!));
  console.log(`cpu seconds median: mktorrent ${mkCpu.toFixed(2)}, shoal ${shCpu.toFixed(2)}, ratio ${(shCpu / mkCpu).toFixed(2)}`);
}
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores; above ~0.5 the wall times are noisy)`);
console.log(`info-hash ${same ? 'equal' : 'DIFFERENT'}: ${infoHash(shOut)}`);
if (!same) process.exitCode = 1;
