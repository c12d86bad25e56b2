/**
 * Benchmark: the piece picker on a 10,000-piece torrent (1 MiB pieces, 64 blocks each)
 * with 50 peers (10 seeds by HAVE_ALL, 40 with random 20-90 % bitfields).
 * Run: npx tsc -p tsconfig.json && node build/bench/picker.js [runs]
 *
 * Measures (medians of several runs, after a warm-up):
 *  - HAVE: peerHave on peers that lack the piece (count update + bucket move).
 *  - BITFIELD + disconnect: peerBitfield then removePeer of a half-full peer (the O(pieces) events).
 *  - pick(16): steady-state download, round-robin over peers, every block delivered and
 *    every piece verified; reports picks/s and blocks/s over a whole download.
 *  - start-piece: pick a whole new piece for a seed and release it (index lookup + 64
 *    blocks of bookkeeping) against the reference: a naive rarest-first that scans every
 *    piece per choice (selection only, no bookkeeping), as a picker without an index does.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bitfield } from '../src/core/bitfield.js';
import { PiecePicker } from '../src/engine/picker/index.js';
import type { PickerPeer } from '../src/engine/picker/index.js';
import { median, timeRuns } from './lib/stats.js';
import { rng } from '../test/helpers/random.js';

const PIECES = 10_000;
const PIECE = 2 ** 20;
const PEERS = 50;
const SEEDS = 10;


function randomBitfield(r: () => number, fill: number): Bitfield {
  const b = new Bitfield(PIECES);
  for (let i = 0; i < PIECES; i++) if (r() < fill) b.set(i);
  return b;
}

function swarm(seed: number): { p: PiecePicker<number>; peers: PickerPeer<number>[] } {
  const r = rng(seed);
  const p = new PiecePicker<number>({ pieceLength: PIECE, totalLength: PIECES * PIECE, random: r });
  const peers: PickerPeer<number>[] = [];
  for (let k = 0; k < PEERS; k++) {
    const q = p.addPeer(k);
    if (k < SEEDS) p.peerHaveAll(q);
    else p.peerBitfield(q, randomBitfield(r, 0.2 + 0.7 * r()));
    p.setChoking(q, false);
    peers.push(q);
  }
  return { p, peers };
}

function benchHave(runs: number): number {
  const perOp: number[] = [];
  for (let run = 0; run < runs + 1; run++) {
    const r = rng(100 + run);
    const p = new PiecePicker<number>({ pieceLength: PIECE, totalLength: PIECES * PIECE, random: r });
    const peers = Array.from({ length: PEERS }, (_, k) => p.addPeer(k));
    const order = Array.from({ length: PIECES * PEERS }, (_, k) => k);
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(r() * (k + 1));
      [order[k], order[j]] = [order[j]!, order[k]!];
    }
    const c0 = process.cpuUsage();
    for (const x of order) p.peerHave(peers[x % PEERS]!, Math.floor(x / PEERS));
    const ms = cpuMsSince(c0);
    if (run > 0) perOp.push(ms / order.length); // run 0 is the warm-up
  }
  return median(perOp);
}

function benchBitfield(runs: number): number {
  const { p } = swarm(7);
  const bf = randomBitfield(rng(8), 0.5);
  return median(
    timeRuns(
      () => {
        const q = p.addPeer(-1);
        p.peerBitfield(q, new Bitfield(PIECES, bf.buffer));
        p.removePeer(q);
      },
      { warmup: 50, iterations: 200, runs },
    ).cpuMs,
  );
}

/** A whole download: pick(16) round-robin, deliver every block, verify every piece. */
function benchDownload(runs: number): { pickMs: number; cycleMs: number; blocks: number; picks: number } {
  const perPick: number[] = [];
  const perCycle: number[] = [];
  let blocks = 0;
  let picks = 0;
  for (let run = 0; run < runs + 1; run++) {
    const { p, peers } = swarm(200 + run);
    let pickNs = 0n;
    blocks = 0;
    picks = 0;
    const c0 = process.cpuUsage();
    while (p.remaining > 0) {
      for (const q of peers) {
        const t0 = process.hrtime.bigint();
        const got = p.pick(q, 16);
        pickNs += process.hrtime.bigint() - t0;
        picks++;
        for (const b of got) {
          blocks++;
          if (p.onBlock(q, b.index, b.begin, b.length).status === 'complete') p.pieceVerified(b.index);
        }
      }
    }
    const cpu = cpuMsSince(c0);
    if (run > 0) {
      perPick.push(Number(pickNs) / 1e6 / picks);
      perCycle.push(cpu / picks);
    }
  }
  return { pickMs: median(perPick), cycleMs: median(perCycle), blocks, picks };
}

function cpuMsSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e3;
}

function benchStartPiece(runs: number): { shoalMs: number; refMs: number } {
  const { p, peers } = swarm(9);
  const seed = peers[0]!;
  const shoal = timeRuns(
    () => {
      const got = p.pick(seed, 64);
      p.releaseAll(seed);
      return got;
    },
    { warmup: 500, iterations: 2000, runs },
  );
  // Reference: rarest-first by scanning every piece (counts from the same swarm).
  const counts = new Uint32Array(PIECES);
  for (let i = 0; i < PIECES; i++) counts[i] = p.availability(i);
  const have = new Bitfield(PIECES);
  const r = rng(10);
  const naive = (): number => {
    let best = -1;
    let bestCount = Infinity;
    let ties = 0;
    for (let i = 0; i < PIECES; i++) {
      if (have.get(i) || !seed.has(i)) continue;
      const c = counts[i]!;
      if (c < bestCount) {
        bestCount = c;
        best = i;
        ties = 1;
      } else if (c === bestCount && r() * ++ties < 1) best = i; // reservoir tie-break
    }
    return best;
  };
  const ref = timeRuns(naive, { warmup: 50, iterations: 200, runs });
  return { shoalMs: median(shoal.cpuMs), refMs: median(ref.cpuMs) };
}

/** The index's weak spot: a peer with 1 % of the pieces (the rarest buckets are scanned until one it has). */
function benchSparse(runs: number): number {
  const { p } = swarm(11);
  const q = p.addPeer(-1);
  p.peerBitfield(q, randomBitfield(rng(12), 0.01));
  p.setChoking(q, false);
  return median(
    timeRuns(
      () => {
        const got = p.pick(q, 64);
        p.releaseAll(q);
        return got;
      },
      { warmup: 200, iterations: 1000, runs },
    ).cpuMs,
  );
}

function main(): void {
  const runs = Number(process.argv[2] ?? 7);
  console.log(`node ${process.version}; median of ${runs} runs (CPU time unless marked wall); ${PIECES} pieces x ${PIECE / 2 ** 20} MiB (64 blocks), ${PEERS} peers (${SEEDS} seeds)`);
  const have = benchHave(runs);
  console.log(`HAVE update            ${(have * 1e6).toFixed(0).padStart(8)} ns/op  ${(1e3 / have / 1e6).toFixed(2)} M ops/s`);
  const bf = benchBitfield(runs);
  console.log(`BITFIELD + disconnect  ${(bf * 1e3).toFixed(1).padStart(8)} us/op  ${(1e3 / bf).toFixed(0)} ops/s  (O(pieces), 50 % full)`);
  const dl = benchDownload(runs);
  console.log(
    `pick(16) in download   ${(dl.pickMs * 1e6).toFixed(0).padStart(8)} ns/op  ${(1e3 / dl.pickMs / 1e3).toFixed(0)} k picks/s (wall, pick only)`,
  );
  console.log(
    `pick+deliver+verify    ${(dl.cycleMs * 1e6).toFixed(0).padStart(8)} ns/pick ${((dl.blocks / dl.picks) * (1e3 / dl.cycleMs) / 1e6).toFixed(2)} M blocks/s (CPU; ${dl.picks} picks, ${dl.blocks} blocks = ${(dl.blocks * 16384 / 2 ** 30).toFixed(1)} GiB per download)`,
  );
  const sp = benchStartPiece(runs);
  console.log(
    `start a piece (seed)   ${(sp.shoalMs * 1e6).toFixed(0).padStart(8)} ns/op  vs naive scan ${(sp.refMs * 1e6).toFixed(0)} ns/op  ` +
      `ratio ${(sp.refMs / sp.shoalMs).toFixed(1)}x faster (shoal includes 64-block bookkeeping + release)`,
  );
  const sparse = benchSparse(runs);
  console.log(`start a piece (1 % peer) ${(sparse * 1e6).toFixed(0).padStart(6)} ns/op  (worst case: scans ~100 pickable pieces per hit)`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
