/** Shared plumbing of bench/download.ts and bench/seed.ts: options, test data, tables. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTorrent } from '../../src/metainfo/create.js';
import { repoRoot } from '../../test/helpers/cli.js';
import { median } from './stats.js';
import type { LeechResult } from './clients.js';

export interface E2eOptions {
  sizeMiB: number;
  runs: number;
  seeders: number[];
  keep: boolean;
  clients: string[] | undefined;
  pieceKiB: number;
}

export function parseE2eArgs(usage: string): E2eOptions {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1024' },
      runs: { type: 'string', default: '3' },
      seeders: { type: 'string', default: '1,4' },
      clients: { type: 'string' },
      piece: { type: 'string', default: '1024' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const num = (s: string, what: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${what} must be a positive integer, got ${s}`);
    return n;
  };
  return {
    sizeMiB: num(values.size, 'size'),
    runs: num(values.runs, 'runs'),
    seeders: values.seeders.split(',').map((s) => num(s, 'seeders')),
    keep: values.keep,
    clients: values.clients?.split(','),
    pieceKiB: num(values.piece, 'piece'),
  };
}

export interface BenchData {
  root: string;
  torrent: string;
  /** Folder holding the data file (a seeder's save path). */
  seedDir: string;
  /** The data file itself (`shoal seed`'s PATH). */
  dataPath: string;
  bytes: number;
}

/** A single-file torrent of `sizeMiB` random MiB under .bench/ (git-ignored). */
export async function makeBenchData(tag: string, sizeMiB: number, pieceKiB: number): Promise<BenchData> {
  const root = join(repoRoot, '.bench', `${tag}-${process.pid}`);
  const seedDir = join(root, 'seed');
  await mkdir(seedDir, { recursive: true });
  const dataPath = join(seedDir, `bench-${sizeMiB}m.bin`);
  const f = await open(dataPath, 'w');
  const chunk = 16 << 20;
  for (let left = sizeMiB * 2 ** 20; left > 0; left -= chunk) await f.write(randomBytes(Math.min(chunk, left)));
  await f.close();
  const created = await createTorrent(dataPath, { pieceLength: pieceKiB << 10, creationDate: false });
  const torrent = join(root, 'bench.torrent');
  await writeFile(torrent, created.torrent);
  return { root, torrent, seedDir, dataPath, bytes: sizeMiB * 2 ** 20 };
}

export async function removeBenchData(d: BenchData, keep: boolean): Promise<void> {
  if (keep) console.log(`kept ${d.root}`);
  else await rm(d.root, { recursive: true, force: true });
}

export interface Row {
  name: string;
  results: LeechResult[];
  /** Optional second usage (e.g. the leecher's CPU in the seed benchmark). */
  extraCpu?: number[];
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;

export interface Summary {
  seconds: number;
  mibps: number;
  cpuPerGiB: number;
  /** The kernel's part of cpuPerGiB (the noisiest part on a VM: see proc.ts). */
  sysPerGiB: number;
  /** Peak resident set (VmHWM), MiB: includes mmapped file pages (libtorrent 2). */
  rssMiB: number;
  /** Peak anonymous resident memory (RssAnon), MiB. */
  anonMiB: number;
}

export function summarize(r: LeechResult[], bytes: number): Summary {
  const seconds = median(r.map((x) => x.seconds));
  const gib = bytes / GiB;
  return { seconds, mibps: bytes / MiB / seconds, cpuPerGiB: median(r.map((x) => x.cpu)) / gib, sysPerGiB: median(r.map((x) => x.sys)) / gib, rssMiB: median(r.map((x) => x.rss)) / MiB, anonMiB: median(r.map((x) => x.anon)) / MiB };
}

/**
 * Prints one table (medians), and each row's ratios against `reference`. "peak RSS" is
 * VmHWM, which counts file pages a client maps (libtorrent 2 mmaps its files, so its figure
 * grows with the torrent); "peak anon" (sampled RssAnon: heap and buffers) compares fairly.
 */
export function printTable(title: string, rows: Row[], bytes: number, reference: string, cpuLabel = 'CPU s/GiB', rssLabel = 'peak RSS'): void {
  console.log(`\n${title}`);
  console.log(`${'client'.padEnd(20)} ${'median s'.padStart(9)} ${'MiB/s'.padStart(8)} ${cpuLabel.padStart(14)} ${'of it sys'.padStart(9)} ${rssLabel.padStart(10)} ${'peak anon'.padStart(10)}   runs (s)`);
  const sums = new Map<string, Summary>();
  for (const row of rows) {
    if (row.results.length === 0) continue;
    const s = summarize(row.results, bytes);
    sums.set(row.name, s);
    const runs = row.results.map((x) => x.seconds.toFixed(2)).join(' ');
    console.log(
      `${row.name.padEnd(20)} ${s.seconds.toFixed(2).padStart(9)} ${s.mibps.toFixed(0).padStart(8)} ${s.cpuPerGiB.toFixed(2).padStart(14)} ${s.sysPerGiB.toFixed(2).padStart(9)} ${(s.rssMiB.toFixed(0) + ' MiB').padStart(10)} ${(s.anonMiB.toFixed(0) + ' MiB').padStart(10)}   ${runs}`,
    );
  }
  const ref = sums.get(reference);
  if (!ref) return;
  for (const [name, s] of sums) {
    if (name === reference) continue;
    console.log(
      `  ${name} vs ${reference}: speed x${(s.mibps / ref.mibps).toFixed(2)}, CPU/GiB x${(s.cpuPerGiB / ref.cpuPerGiB).toFixed(2)} (user x${((s.cpuPerGiB - s.sysPerGiB) / (ref.cpuPerGiB - ref.sysPerGiB)).toFixed(2)}, sys x${(s.sysPerGiB / ref.sysPerGiB).toFixed(2)}), peak RSS x${(s.rssMiB / ref.rssMiB).toFixed(2)}, peak anon x${(s.anonMiB / ref.anonMiB).toFixed(2)}`,
    );
  }
}
