/**
 * Benchmark: parseTorrent against a parse-torrent-style reference (npm `bencode` v4 decode,
 * then SHA-1 of the re-encoded info dict, then a file list with joined paths and offsets),
 * plus layout lookups (pieceSpans over every piece, random spansForRange).
 * Run: npx tsc -p tsconfig.json && node build/bench/metainfo.js [runs]
 *
 * Inputs: a synthetic 20,000-file torrent built here, and sintel.torrent from
 * ../shared/conformance when present. shoal does more work than the reference (path
 * sanitizing, duplicate check, validation) and hashes the raw bytes instead of re-encoding.
 * Medians of several timed runs after a warm-up; the machine is shared, so figures are rough.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import bencode from 'bencode';
import { encode, type BEncodable } from '../src/bencode/index.js';
import { parseTorrent, pieceSpans, spansForRange } from '../src/metainfo/index.js';

/** Milliseconds per call of each timed run (after `warmup` untimed calls). Local, so this file does not depend on bench/lib changes. */
function timeRuns(fn: () => unknown, opts: { warmup: number; iterations: number; runs: number }): number[] {
  let sink: unknown;
  for (let i = 0; i < opts.warmup; i++) sink = fn();
  const out: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < opts.iterations; i++) sink = fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6 / opts.iterations);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return out;
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const runs = Number(process.argv[2] ?? 7);

function synthetic(fileCount: number): Buffer {
  const files: BEncodable[] = [];
  let total = 0;
  for (let i = 0; i < fileCount; i++) {
    const length = ((i * 2654435761) >>> 0) % 3_000_000;
    total += length;
    files.push({ length, path: [`disc ${i % 17}`, `chapter ${i % 101}`, `track-${String(i).padStart(5, '0')} caf\u00e9.flac`] });
  }
  const pieceLength = 262144;
  const pieces = Buffer.alloc(Math.ceil(total / pieceLength) * 20, 7);
  return encode({
    announce: 'http://tracker.example.org/announce',
    'announce-list': [['http://tracker.example.org/announce'], ['udp://tracker.example.net:1337']],
    info: { name: 'synthetic', 'piece length': pieceLength, files, pieces },
  });
}

/** What parse-torrent does, minus its own validation: decode, re-encode info, hash, list files. */
function reference(buf: Uint8Array): unknown {
  const t = bencode.decode(buf) as { info: Record<string, unknown>; announce?: Uint8Array; 'announce-list'?: Uint8Array[][] };
  const infoHash = createHash('sha1').update(bencode.encode(t.info)).digest('hex');
  const dec = new TextDecoder();
  const name = dec.decode(t.info.name as Uint8Array);
  const list = (t.info.files as { length: number; path: Uint8Array[] }[] | undefined) ?? [{ length: t.info.length as number, path: [] }];
  let offset = 0;
  const files = list.map((f) => {
    const p = path.join(name, ...f.path.map((x) => dec.decode(x)));
    const r = { path: p, length: f.length, offset };
    offset += f.length;
    return r;
  });
  const announce = (t['announce-list'] ?? []).flat().map((u) => dec.decode(u));
  return { infoHash, name, files, announce };
}

function row(label: string, shoalMs: number, refMs: number | undefined): void {
  const ratio = refMs === undefined ? '' : `  reference ${refMs.toFixed(3)} ms  (shoal ${(refMs / shoalMs).toFixed(2)}x as fast)`;
  console.log(`${label.padEnd(42)} shoal ${shoalMs.toFixed(3)} ms${ratio}`);
}

function compare(label: string, buf: Buffer, iterations: number): void {
  const s: number[] = [];
  const r: number[] = [];
  for (let k = 0; k < runs; k++) {
    s.push(...timeRuns(() => parseTorrent(buf), { warmup: 2, iterations, runs: 1 }));
    r.push(...timeRuns(() => reference(buf), { warmup: 2, iterations, runs: 1 }));
  }
  row(`${label} (${(buf.length / 1e6).toFixed(2)} MB)`, median(s), median(r));
}

const here = path.dirname(fileURLToPath(import.meta.url));
const sintel = path.resolve(here, '../../../shared/conformance/parse-torrent/webtorrent-fixtures/sintel.torrent');
console.log(`parseTorrent vs parse-torrent-style reference, median of ${runs} runs (machine shared: rough figures)`);
if (existsSync(sintel)) compare('sintel.torrent (1 file, 1310 pieces)', readFileSync(sintel), 200);
else console.log('sintel.torrent: ../shared not present, skipped');
const big = synthetic(20_000);
compare('synthetic, 20,000 files', big, 5);

const meta = parseTorrent(big);
const all = timeRuns(
  () => {
    let n = 0;
    for (let p = 0; p < meta.pieceCount; p++) n += pieceSpans(meta, p).length;
    return n;
  },
  { warmup: 2, iterations: 1, runs },
);
row(`pieceSpans, all ${meta.pieceCount} pieces, 20k files`, median(all), undefined);
let x = 12345;
const rand = timeRuns(
  () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return spansForRange(meta, x % (meta.totalLength - 16384), 16384);
  },
  { warmup: 1000, iterations: 100_000, runs },
);
console.log(`${'spansForRange, one 16 KiB block, per call'.padEnd(42)} shoal ${(median(rand) * 1000).toFixed(3)} µs`);
