/**
 * Benchmark: shoal's bencode decode/encode against the `bencode` npm package (v4).
 * Run: npx tsc -p tsconfig.json && node build/bench/bencode.js [runs=9] [--same-process]
 *
 * Input: an in-memory multi-file torrent (12,000 files in nested folders, ~4 MB of
 * `pieces`), plus node-bencode's own benchmark torrent when ../shared is present.
 * Like for like: both decoders return byte strings as Uint8Array; `bencode` gives plain
 * objects with UTF-8 keys, shoal gives Maps with latin1 keys. Each encoder encodes its own
 * decoder's output. Each library runs in its own Node process (so neither pays for the other's
 * garbage), warms up for about a second, then times runs of about 300 ms; three rounds of
 * processes alternate between the libraries. Figures are medians over all runs.
 * `--same-process` runs both in this process, one after the other.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import bencode from 'bencode';
import { decode, encode } from '../src/bencode/index.js';
import type { BEncodable } from '../src/bencode/index.js';
import { median, mbps, timeRuns } from './lib/stats.js';
import { rng } from '../test/helpers/random.js';


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

type Impl = 'shoal' | 'bencode';
const IMPLS: readonly Impl[] = ['shoal', 'bencode'];

interface Case {
  readonly label: string;
  /** Builds the input (checking both libraries round-trip it) and returns the input size and the two functions to time. */
  readonly setup: () => { bytes: number; fns: Record<Impl, () => unknown> } | undefined;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const smallFile = path.resolve(here, '../../../shared/conformance/bencode/node-bencode-benchmark-test.torrent');

function inputs(which: 'large' | 'small'): Uint8Array | undefined {
  if (which === 'large') return buildTorrent();
  return existsSync(smallFile) ? new Uint8Array(readFileSync(smallFile)) : undefined;
}

function decodeCase(which: 'large' | 'small'): Case {
  return {
    label: `decode ${which === 'large' ? 'large torrent' : 'node-bencode test.torrent'}`,
    setup: () => {
      const buf = inputs(which);
      if (!buf) return undefined;
      return { bytes: buf.length, fns: { shoal: () => decode(buf), bencode: () => bencode.decode(buf) } };
    },
  };
}

function encodeCase(which: 'large' | 'small'): Case {
  return {
    label: `encode ${which === 'large' ? 'large torrent' : 'node-bencode test.torrent'}`,
    setup: () => {
      const buf = inputs(which);
      if (!buf) return undefined;
      // Each encoder encodes its own decoder's output; both must give the input back.
      const sv = decode(buf);
      const bv = bencode.decode(buf) as unknown;
      if (Buffer.compare(encode(sv), buf) !== 0) throw new Error('shoal round trip differs');
      if (Buffer.compare(Buffer.from(bencode.encode(bv)), buf) !== 0) throw new Error('bencode round trip differs');
      return { bytes: buf.length, fns: { shoal: () => encode(sv), bencode: () => bencode.encode(bv) } };
    },
  };
}

const ROUNDS = 3;
const CASES: readonly Case[] = [decodeCase('large'), encodeCase('large'), decodeCase('small'), encodeCase('small')];

interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

/**
 * Times one library on one case in this process: warm up for about a second (JIT and heap
 * growth settle), then `runs` runs of about 300 ms each. Returns ms per call for each run.
 */
function measure(fn: () => unknown, runs: number): Sample[] {
  const t0 = performance.now();
  let calls = 0;
  while (calls < 5 || performance.now() - t0 < 1000) {
    fn();
    calls++;
  }
  const perCall = (performance.now() - t0) / calls;
  const iterations = Math.max(1, Math.round(300 / perCall));
  const t = timeRuns(fn, { warmup: 0, iterations, runs });
  return t.wallMs.map((wall, i) => ({ wall, cpu: t.cpuMs[i]! }));
}

/** Runs `measure` in a fresh Node process, so neither library's heap affects the other. */
function isolated(caseIndex: number, impl: Impl, runs: number): { bytes: number; samples: Sample[] } | undefined {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(caseIndex), impl, String(runs)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`benchmark child failed: ${r.stderr}`);
  const out = r.stdout.trim();
  return out === 'skip' ? undefined : (JSON.parse(out) as { bytes: number; samples: Sample[] });
}

function child(caseIndex: number, impl: Impl, runs: number): void {
  const set = CASES[caseIndex]!.setup();
  console.log(set ? JSON.stringify({ bytes: set.bytes, samples: measure(set.fns[impl], runs) }) : 'skip');
}

function report(label: string, bytes: number, s: Sample[], b: Sample[]): void {
  const sw = median(s.map((x) => x.wall));
  const bw = median(b.map((x) => x.wall));
  const sc = median(s.map((x) => x.cpu));
  const bc = median(b.map((x) => x.cpu));
  const f = (ms: number, cpu: number) => `${ms.toFixed(3).padStart(8)} ms ${mbps(bytes, ms).padStart(12)} (cpu ${cpu.toFixed(3)} ms)`;
  console.log(`${label.padEnd(34)} shoal ${f(sw, sc)} | bencode ${f(bw, bc)} | shoal/bencode speed ${(bw / sw).toFixed(2)}x wall, ${(bc / sc).toFixed(2)}x cpu`);
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    child(Number(args[1]), args[2] as Impl, Number(args[3]));
    return;
  }
  const same = args.includes('--same-process');
  const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 9);
  console.log(`node ${process.version}; median of ${same ? runs : Math.ceil(runs / ROUNDS) * ROUNDS} runs of ~300 ms per library after ~1 s of warm-up, ` +
    `${same ? 'both libraries in this process' : `${ROUNDS} rounds of one process per library, alternating`}; ` +
    'MB/s from wall-clock, the cpu ratio from process CPU time (steadier on a busy machine)');
  CASES.forEach((c, i) => {
    let res: Record<Impl, { bytes: number; samples: Sample[] } | undefined>;
    if (same) {
      const set = c.setup();
      res = {
        shoal: set && { bytes: set.bytes, samples: measure(set.fns.shoal, runs) },
        bencode: set && { bytes: set.bytes, samples: measure(set.fns.bencode, runs) },
      };
    } else {
      // Several rounds of one process per library, alternating, so a noisy spell on the
      // machine hits both libraries rather than one.
      res = { shoal: undefined, bencode: undefined };
      for (let round = 0; round < ROUNDS; round++) {
        for (const impl of IMPLS) {
          const got = isolated(i, impl, Math.ceil(runs / ROUNDS));
          if (got) res[impl] = { bytes: got.bytes, samples: [...(res[impl]?.samples ?? []), ...got.samples] };
        }
      }
    }
    if (!res.shoal || !res.bencode) console.log(`${c.label.padEnd(34)} skipped: ${smallFile} not found`);
    else report(c.label, res.shoal.bytes, res.shoal.samples, res.bencode.samples);
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
