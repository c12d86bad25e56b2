/**
 * Benchmark: shoal's bencode decode/encode against the `bencode` npm package (v4).
 * Run: npx tsc -p tsconfig.json && node build/bench/bencode.js [runs]
 *
 * Input: an in-memory multi-file torrent (12,000 files in nested folders, ~4 MB of
 * `pieces`), plus node-bencode's own benchmark torrent when ../shared is present.
 * Like for like: both decoders return byte strings as Uint8Array; `bencode` gives plain
 * objects with UTF-8 keys, shoal gives Maps with latin1 keys. Each encoder encodes its own
 * decoder's output. Figures are medians of several timed runs after a warm-up.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import bencode from 'bencode';
import { decode, encode } from '../src/bencode/index.js';
import type { BEncodable } from '../src/bencode/index.js';
import { median, mbps, timeRuns } from './lib/stats.js';

/** Deterministic PRNG (mulberry32) so every run benchmarks the same bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'alpha', 'Bravo', 'charlie', 'delta', 'Echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett',
  'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango',
  'uniform', 'victor', 'whiskey', 'xray', 'yankee', 'zulu', 'Müller', 'café', 'naïve', 'Ørsted',
  'données', 'größe', '東京', 'サンプル', 'résumé', 'final', 'draft', 'v2', 'backup', 'export',
];
const EXTS = ['.jpg', '.png', '.flac', '.mkv', '.txt', '.pdf', '.tar.gz', '.json', '.cpp', '.nfo'];

export function buildTorrent(fileCount = 12_000, piecesBytes = 4 * 1024 * 1024): Uint8Array {
  const r = rng(0x5eed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const files: BEncodable[] = [];
  let total = 0;
  for (let i = 0; i < fileCount; i++) {
    const depth = 1 + Math.floor(r() * 4);
    const p: string[] = [];
    p.push(`${2015 + (i % 10)}`);
    for (let d = 1; d < depth; d++) p.push(`${pick(WORDS)} ${pick(WORDS)} ${1 + Math.floor(r() * 30)}`);
    p.push(`${pick(WORDS)}_${pick(WORDS)}-${String(i).padStart(5, '0')}${pick(EXTS)}`);
    const length = Math.floor(r() * r() * 200_000_000);
    total += length;
    files.push({ length, path: p });
  }
  const numPieces = Math.floor(piecesBytes / 20);
  const pieceLength = 2 ** Math.ceil(Math.log2(Math.max(16384, total / numPieces)));
  const pieces = new Uint8Array(numPieces * 20);
  for (let i = 0; i < pieces.length; i++) pieces[i] = Math.floor(r() * 256);
  return encode({
    announce: 'http://tracker.example.org:6969/announce',
    'announce-list': [['http://tracker.example.org:6969/announce'], ['udp://tracker.example.net:1337/announce']],
    comment: 'Synthetic benchmark torrent',
    'created by': 'shoal bench',
    'creation date': 1_700_000_000,
    info: { files, name: 'benchmark archive', 'piece length': pieceLength, pieces },
    'url-list': ['https://mirror.example.com/files/'],
  });
}

interface Row {
  readonly label: string;
  readonly bytes: number;
  readonly shoalMs: number;
  readonly refMs: number;
}

function bench(label: string, bytes: number, shoalFn: () => unknown, refFn: () => unknown, runs: number, iterations: number): Row {
  const opts = { warmup: Math.max(3, iterations), iterations, runs };
  // Interleave the two so background noise hits both alike.
  const s: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    s.push(...timeRuns(shoalFn, { ...opts, runs: 1, warmup: i === 0 ? opts.warmup : 1 }));
    b.push(...timeRuns(refFn, { ...opts, runs: 1, warmup: i === 0 ? opts.warmup : 1 }));
  }
  return { label, bytes, shoalMs: median(s), refMs: median(b) };
}

function print(row: Row): void {
  const ratio = row.refMs / row.shoalMs;
  console.log(
    `${row.label.padEnd(34)} shoal ${row.shoalMs.toFixed(3).padStart(8)} ms (${mbps(row.bytes, row.shoalMs).padStart(12)})` +
      `  bencode ${row.refMs.toFixed(3).padStart(8)} ms (${mbps(row.bytes, row.refMs).padStart(12)})  shoal/bencode speed ${ratio.toFixed(2)}x`,
  );
}

function main(): void {
  const runs = Number(process.argv[2] ?? 9);
  const big = buildTorrent();
  console.log(`node ${process.version}; median of ${runs} runs; synthetic torrent ${big.length} bytes (12,000 files)`);

  // Sanity: both round-trip the input exactly.
  const sv = decode(big);
  const bv = bencode.decode(big) as unknown;
  if (Buffer.compare(encode(sv), big) !== 0) throw new Error('shoal round trip differs');
  if (Buffer.compare(Buffer.from(bencode.encode(bv)), big) !== 0) throw new Error('bencode round trip differs');

  const rows: Row[] = [];
  rows.push(bench('decode large torrent', big.length, () => decode(big), () => bencode.decode(big), runs, 5));
  rows.push(bench('encode large torrent', big.length, () => encode(sv), () => bencode.encode(bv), runs, 5));

  const here = path.dirname(fileURLToPath(import.meta.url));
  const small = path.resolve(here, '../../../shared/conformance/bencode/node-bencode-benchmark-test.torrent');
  if (existsSync(small)) {
    const buf = new Uint8Array(readFileSync(small));
    const ss = decode(buf);
    const bs = bencode.decode(buf) as unknown;
    rows.push(bench('decode node-bencode test.torrent', buf.length, () => decode(buf), () => bencode.decode(buf), runs, 2000));
    rows.push(bench('encode node-bencode test.torrent', buf.length, () => encode(ss), () => bencode.encode(bs), runs, 2000));
  } else {
    console.log(`(skipped node-bencode test.torrent: ${small} not found)`);
  }
  for (const r of rows) print(r);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
