// Property tests of the piece picker: random swarms driven by random event sequences,
// checked after every step against a model kept here and a brute-force recomputation.
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Bitfield } from '../../src/core/bitfield.js';
import { BLOCK_SIZE, PiecePicker } from '../../src/engine/picker/index.js';
import type { PickerPeer } from '../../src/engine/picker/index.js';
import { rng } from './helpers.js';

type Op =
  | { t: 'add'; bits: boolean[] | 'all' }
  | { t: 'have'; peer: number; piece: number }
  | { t: 'remove'; peer: number }
  | { t: 'pick'; peer: number; count: number }
  | { t: 'deliver'; peer: number; k: number; bad: boolean }
  | { t: 'release'; peer: number; k: number }
  | { t: 'choke'; peer: number; choking: boolean }
  | { t: 'fast'; peer: number; piece: number }
  | { t: 'want'; piece: number; wanted: boolean }
  | { t: 'seq'; on: boolean };

const peerIx = fc.nat(7);
const pieceIx = fc.nat(40);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('add' as const), bits: fc.oneof(fc.constant('all' as const), fc.array(fc.boolean(), { maxLength: 40 })) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('have' as const), peer: peerIx, piece: pieceIx }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('remove' as const), peer: peerIx }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('pick' as const), peer: peerIx, count: fc.integer({ min: 1, max: 12 }) }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant('deliver' as const), peer: peerIx, k: fc.nat(30), bad: fc.boolean() }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant('release' as const), peer: peerIx, k: fc.nat(30) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('choke' as const), peer: peerIx, choking: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('fast' as const), peer: peerIx, piece: pieceIx }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('want' as const), piece: pieceIx, wanted: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('seq' as const), on: fc.boolean() }), weight: 1 },
);

const swarm = fc.record({
  pieces: fc.integer({ min: 1, max: 40 }),
  blocks: fc.integer({ min: 1, max: 4 }),
  short: fc.nat(BLOCK_SIZE * 4 - 1),
  cap: fc.integer({ min: 1, max: 8 }),
  dups: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(),
  ops: fc.array(op, { minLength: 20, maxLength: 150, size: 'max' }),
});

interface Model {
  readonly p: PiecePicker<number>;
  readonly peers: PickerPeer<number>[];
  /** Requests the model believes outstanding, per peer. */
  readonly outstanding: Map<PickerPeer<number>, Set<number>>;
  readonly fails: { count: number };
}

function setup(s: { pieces: number; blocks: number; short: number; cap: number; dups: number; seed: number }): Model {
  const pieceLength = s.blocks * BLOCK_SIZE;
  const totalLength = s.pieces * pieceLength - (s.short % pieceLength);
  const p = new PiecePicker<number>({ pieceLength, totalLength, maxPiecesInFlight: s.cap, endgameRequesters: s.dups, random: rng(s.seed) });
  return { p, peers: [], outstanding: new Map(), fails: { count: 0 } };
}

function forget(m: Model, q: PickerPeer<number>, key: number): void {
  m.outstanding.get(q)?.delete(key);
}

function step(m: Model, o: Op): void {
  const { p, peers } = m;
  const n = p.pieceCount;
  const peer = (k: number): PickerPeer<number> | undefined => (peers.length ? peers[k % peers.length] : undefined);
  switch (o.t) {
    case 'add': {
      if (peers.length >= 6) return;
      const q = p.addPeer(peers.length);
      if (o.bits === 'all') p.peerHaveAll(q);
      else {
        const bf = new Bitfield(n);
        o.bits.forEach((b, i) => i < n && b && bf.set(i));
        p.peerBitfield(q, bf);
      }
      p.setChoking(q, false);
      peers.push(q);
      m.outstanding.set(q, new Set());
      return;
    }
    case 'have': {
      const q = peer(o.peer);
      if (q) assert.equal(p.peerHave(q, o.piece), o.piece < n);
      return;
    }
    case 'remove': {
      const q = peer(o.peer);
      if (!q) return;
      p.removePeer(q);
      peers.splice(peers.indexOf(q), 1);
      m.outstanding.delete(q);
      return;
    }
    case 'pick': {
      const q = peer(o.peer);
      if (!q) return;
      const before = Array.from({ length: n }, (_, i) => p.isInFlight(i));
      const got = p.pick(q, o.count);
      assert.ok(got.length <= o.count);
      if (!q.choking) {
        // Each piece the pick started is the rarest (or, sequential, the lowest) still startable.
        const started = [...new Set(got.map((r) => r.index).filter((i) => !before[i]))];
        const startable = (i: number): boolean => !before[i] && q.has(i) && p.isWanted(i) && !p.have.get(i);
        const done = new Set<number>();
        for (const s of started) {
          for (let i = 0; i < n; i++) {
            if (i === s || done.has(i) || !startable(i)) continue;
            if (p.sequential) assert.ok(s < i, `sequential started ${s} before ${i}`);
            else assert.ok(p.availability(s) <= p.availability(i), `started ${s} (${p.availability(s)}) before rarer ${i} (${p.availability(i)})`);
          }
          done.add(s);
        }
      }
      let duplicated = false;
      for (const r of got) {
        const key = p.geometry.key(r.index, r.begin);
        assert.ok(q.has(r.index), 'never a piece the peer lacks');
        assert.ok(p.isWanted(r.index), 'never an unwanted piece');
        assert.ok(!p.have.get(r.index), 'never a piece we have');
        if (q.choking) assert.ok(q.allowedFast.includes(r.index), 'choked: allowed-fast only');
        assert.equal(r.length, p.geometry.blockLength(r.index, r.begin / BLOCK_SIZE));
        const mine = m.outstanding.get(q)!;
        assert.ok(!mine.has(key), 'never the same block twice to one peer');
        for (const [other, set] of m.outstanding) if (other !== q && set.has(key)) duplicated = true;
        mine.add(key);
      }
      if (duplicated) assert.ok(p.endgame, 'duplicate requests only in endgame');
      return;
    }
    case 'deliver': {
      const q = peer(o.peer);
      const mine = q && m.outstanding.get(q);
      if (!q || !mine || mine.size === 0) return;
      const key = [...mine][o.k % mine.size]!;
      const index = p.geometry.keyIndex(key);
      const begin = p.geometry.keyBegin(key);
      const res = p.onBlock(q, index, begin, p.geometry.blockLength(index, begin / BLOCK_SIZE));
      assert.ok(res.status === 'accepted' || res.status === 'complete', `outstanding block is accepted, got ${res.status}`);
      mine.delete(key);
      for (const other of res.cancel) {
        assert.ok(m.outstanding.get(other)?.has(key), 'cancel only peers that were asked');
        forget(m, other, key);
      }
      for (const [other, set] of m.outstanding) assert.ok(!set.has(key), `peer ${other.ref} still waits for a received block`);
      if (res.status === 'complete') {
        if (o.bad) {
          const blamed = p.pieceFailed(index);
          assert.ok(blamed.includes(q), 'the sender of the last block is blamed');
          m.fails.count++;
        } else p.pieceVerified(index);
      }
      return;
    }
    case 'release': {
      const q = peer(o.peer);
      const mine = q && m.outstanding.get(q);
      if (!q || !mine || mine.size === 0) return;
      const key = [...mine][o.k % mine.size]!;
      assert.equal(p.release(q, p.geometry.keyIndex(key), p.geometry.keyBegin(key)), true);
      mine.delete(key);
      return;
    }
    case 'choke': {
      const q = peer(o.peer);
      if (!q) return;
      p.setChoking(q, o.choking);
      if (o.choking && o.peer % 2 === 0) {
        // A peer without the fast extension: choke drops everything.
        p.releaseAll(q);
        m.outstanding.get(q)!.clear();
      }
      return;
    }
    case 'fast': {
      const q = peer(o.peer);
      if (q) p.peerAllowedFast(q, o.piece);
      return;
    }
    case 'want': {
      for (const d of p.setWanted(o.piece, o.wanted)) {
        assert.ok(m.outstanding.get(d.peer)?.has(p.geometry.key(d.request.index, d.request.begin)));
        forget(m, d.peer, p.geometry.key(d.request.index, d.request.begin));
      }
      return;
    }
    case 'seq':
      p.sequential = o.on;
      return;
  }
}

function consistent(m: Model): void {
  assert.deepEqual(m.p.debugCheck(), []);
  for (const q of m.peers) assert.deepEqual([...q.outstanding].sort(), [...m.outstanding.get(q)!].sort(), 'picker and model agree on requests');
  for (let i = 0; i < m.p.pieceCount; i++) {
    const brute = m.peers.filter((q) => q.has(i)).length;
    assert.equal(m.p.availability(i), brute, `availability of ${i}`);
  }
}

test('random swarms: requests obey every rule and the counts match a brute-force recount', () => {
  fc.assert(
    fc.property(swarm, (s) => {
      const m = setup(s);
      for (const o of s.ops) {
        step(m, o);
        consistent(m);
      }
    }),
    { numRuns: 500 },
  );
});

test('random swarms: with a seed present, every wanted block is eventually requested and the download completes', () => {
  fc.assert(
    fc.property(swarm, (s) => {
      const m = setup(s);
      for (const o of s.ops) step(m, o);
      const { p } = m;
      const seed = p.addPeer(99);
      p.peerHaveAll(seed);
      p.setChoking(seed, false);
      m.peers.push(seed);
      m.outstanding.set(seed, new Set());
      for (const q of m.peers) p.setChoking(q, false);
      for (let round = 0; round < 10_000 && p.remaining > 0; round++) {
        for (const q of m.peers) step(m, { t: 'pick', peer: m.peers.indexOf(q), count: 8 });
        for (const q of m.peers) {
          while (m.outstanding.get(q)!.size > 0) step(m, { t: 'deliver', peer: m.peers.indexOf(q), k: 0, bad: false });
        }
      }
      consistent(m);
      assert.equal(p.remaining, 0);
      for (let i = 0; i < p.pieceCount; i++) if (p.isWanted(i)) assert.ok(p.have.get(i), `piece ${i} done`);
      assert.equal(p.piecesInFlight, 0);
    }),
    { numRuns: 300 },
  );
});
