import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { Bitfield } from '../../src/core/bitfield.js';
import { BLOCK_SIZE, Geometry, PiecePicker, wantedPieces } from '../../src/engine/picker/index.js';
import type { PickerOptions, PickerPeer } from '../../src/engine/picker/index.js';
import { SchedulerError } from '../../src/engine/errors.js';
import { rng } from './helpers.js';

const KB16 = BLOCK_SIZE;

function bits(n: number, set: Iterable<number>): Bitfield {
  const b = new Bitfield(n);
  for (const i of set) b.set(i);
  return b;
}

function make(pieces: number, blocksPerPiece = 4, extra: Partial<PickerOptions> = {}): PiecePicker<string> {
  return new PiecePicker<string>({ pieceLength: blocksPerPiece * KB16, totalLength: pieces * blocksPerPiece * KB16, random: rng(1), ...extra });
}

function peer(p: PiecePicker<string>, name: string, has: Iterable<number> | 'all', unchoked = true): PickerPeer<string> {
  const q = p.addPeer(name);
  if (has === 'all') p.peerHaveAll(q);
  else p.peerBitfield(q, bits(p.pieceCount, has));
  if (unchoked) p.setChoking(q, false);
  return q;
}

function ok(p: PiecePicker<string>): void {
  assert.deepEqual(p.debugCheck(), []);
}

test('geometry: short last piece and short last block; block keys round-trip', () => {
  const g = new Geometry(3 * KB16 + 100, 7 * KB16);
  assert.equal(g.pieceCount, 3);
  assert.equal(g.pieceSize(2), 7 * KB16 - 2 * (3 * KB16 + 100));
  assert.equal(g.blockCount(0), 4);
  assert.equal(g.blockLength(0, 3), 100);
  assert.equal(g.blockOf(0, 3 * KB16, 100), 3);
  assert.equal(g.blockOf(0, 3 * KB16, KB16), -1, 'wrong length');
  assert.equal(g.blockOf(0, 100, KB16), -1, 'not a block boundary');
  assert.equal(g.blockOf(3, 0, KB16), -1, 'index out of range');
  const key = g.key(2, 3 * KB16);
  assert.equal(key, 2 * 4 + 3);
  assert.equal(g.keyIndex(key), 2);
  assert.equal(g.keyBegin(key), 3 * KB16);
  assert.throws(() => new Geometry(0, 10), SchedulerError);
  assert.throws(() => new Geometry(KB16, -1), (e: unknown) => e instanceof SchedulerError && e.code === 'ESCHED');
});

test('rarest first: a seed is asked for the piece fewest peers have', () => {
  const p = make(6);
  peer(p, 'a', [0, 1, 2, 3, 5]);
  peer(p, 'b', [0, 1, 2, 3]);
  peer(p, 'c', [0, 1, 3, 4]);
  const s = peer(p, 'seed', 'all');
  assert.equal(p.availability(0), 4);
  assert.equal(p.availability(4), 2);
  const first = p.pick(s, 4);
  assert.equal(first.length, 4);
  assert.ok(first.every((r) => r.index === 4 || r.index === 5), `rarest pieces are 4 and 5, got ${first[0]!.index}`);
  const next = p.pick(s, 4);
  assert.ok(next.every((r) => (r.index === 4 || r.index === 5) && r.index !== first[0]!.index));
  const third = p.pick(s, 4);
  assert.equal(third[0]!.index, 2, 'then the piece three peers have');
  ok(p);
});

test('ties are broken randomly: different seeds start different pieces, all eventually', () => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 40; seed++) {
    const p = make(50, 1, { random: rng(seed) });
    const s = p.addPeer('s');
    p.peerHaveAll(s);
    p.setChoking(s, false);
    seen.add(p.pick(s, 1)[0]!.index);
  }
  assert.ok(seen.size >= 20, `40 torrents started ${seen.size} distinct pieces`);
});

test('partial pieces first: a second peer finishes the started piece before a new one', () => {
  const p = make(10, 4);
  const a = peer(p, 'a', 'all');
  const b = peer(p, 'b', 'all');
  const ra = p.pick(a, 2);
  assert.equal(ra.length, 2);
  const i = ra[0]!.index;
  assert.deepEqual(ra.map((r) => r.begin), [0, KB16]);
  const rb = p.pick(b, 3);
  assert.deepEqual(rb.slice(0, 2).map((r) => [r.index, r.begin]), [[i, 2 * KB16], [i, 3 * KB16]]);
  assert.notEqual(rb[2]!.index, i);
  assert.equal(p.piecesInFlight, 2);
  ok(p);
});

test('pieces in flight are capped', () => {
  const p = make(10, 2, { maxPiecesInFlight: 2 });
  const a = peer(p, 'a', 'all');
  const got = p.pick(a, 100);
  assert.equal(got.length, 4, 'two pieces of two blocks');
  assert.equal(p.piecesInFlight, 2);
  assert.deepEqual(p.pick(a, 10), []);
  // Default cap follows the memory budget.
  assert.equal(new PiecePicker({ pieceLength: 4 * 2 ** 20, totalLength: 2 ** 34, inFlightBytes: 2 ** 25 }).maxPiecesInFlight, 8);
});

test('only pieces the peer has; no interest in a peer with nothing we need', () => {
  const p = make(8, 2);
  const a = peer(p, 'a', [1, 6]);
  const got = p.pick(a, 100);
  assert.deepEqual([...new Set(got.map((r) => r.index))].sort(), [1, 6]);
  assert.ok(p.isInteresting(a));
  const c = peer(p, 'c', []);
  assert.equal(p.isInteresting(c), false);
  assert.deepEqual(p.pick(c, 10), []);
  assert.equal(p.peerHave(c, 8), false, 'index out of range');
  assert.equal(p.peerHave(c, -1), false);
  assert.equal(p.peerHave(c, 3), true);
  assert.ok(p.isInteresting(c));
  assert.equal(p.pick(c, 10)[0]!.index, 3);
  ok(p);
});

test('unwanted pieces are never requested; a piece shared with a selected file is wanted', () => {
  // Files: [0, 40 KiB) selected, [40 KiB, 100 KiB) not, [100 KiB, 128 KiB) selected; 32 KiB pieces.
  const files = [
    { offset: 0, length: 40 * 1024, pad: false },
    { offset: 40 * 1024, length: 60 * 1024, pad: false },
    { offset: 100 * 1024, length: 28 * 1024, pad: false },
  ];
  const mask = wantedPieces(32 * 1024, 128 * 1024, files, [true, false, true]);
  assert.deepEqual([...mask], [1, 1, 0, 1]);
  assert.deepEqual([...wantedPieces(32 * 1024, 128 * 1024, files, [false, true, false])], [0, 1, 1, 1]);
  assert.deepEqual([...wantedPieces(32 * 1024, 128 * 1024, [{ offset: 0, length: 128 * 1024, pad: true }], [true])], [0, 0, 0, 0]);
  const p = new PiecePicker<string>({ pieceLength: 32 * 1024, totalLength: 128 * 1024, random: rng(3) });
  p.setWantedMask(mask);
  assert.equal(p.remaining, 3);
  const s = peer(p, 's', 'all');
  const got = p.pick(s, 100);
  assert.deepEqual([...new Set(got.map((r) => r.index))].sort(), [0, 1, 3]);
  const only2 = peer(p, 'x', [2]);
  assert.equal(p.isInteresting(only2), false);
  ok(p);
});

test('an in-flight piece that becomes unwanted is dropped and its requests are returned for CANCEL', () => {
  const p = make(4, 4);
  const a = peer(p, 'a', 'all');
  const got = p.pick(a, 2);
  const i = got[0]!.index;
  const dropped = p.setWanted(i, false);
  assert.deepEqual(dropped.map((d) => [d.peer.ref, d.request.index, d.request.begin]), [['a', i, 0], ['a', i, KB16]]);
  assert.equal(p.isInFlight(i), false);
  assert.equal(a.outstanding.size, 0);
  assert.equal(p.onBlock(a, i, 0, KB16).status, 'unexpected');
  p.setWanted(i, true);
  ok(p);
});

test('sequential mode asks for the lowest index first', () => {
  const p = make(20, 2);
  p.sequential = true;
  const a = peer(p, 'a', 'all');
  const b = peer(p, 'b', [5, 9, 12]);
  assert.deepEqual(p.pick(a, 5).map((r) => r.index), [0, 0, 1, 1, 2]);
  assert.deepEqual(p.pick(b, 3).map((r) => r.index), [5, 5, 9]);
  assert.deepEqual(p.pick(a, 3).map((r) => r.index), [2, 3, 3], 'in order, even before the partial piece 9');
  assert.deepEqual(p.pick(a, 4).map((r) => r.index), [4, 4, 6, 6], '5 is fully requested from b');
  assert.deepEqual(p.pick(a, 6).map((r) => r.index), [7, 7, 8, 8, 9, 10], 'partial 9 when its turn comes');
  // A released piece below the cursor comes back first.
  p.releaseAll(a);
  assert.deepEqual(p.pick(a, 1).map((r) => r.index), [0]);
  ok(p);
});

test('allowed-fast: a choking peer is asked only for its allowed-fast pieces (BEP 6)', () => {
  const p = make(10, 2);
  const a = peer(p, 'a', 'all', false);
  assert.deepEqual(p.pick(a, 10), [], 'choked, nothing allowed');
  assert.equal(p.peerAllowedFast(a, 7), true);
  assert.equal(p.peerAllowedFast(a, 10), false);
  p.peerAllowedFast(a, 3);
  const got = p.pick(a, 10);
  assert.deepEqual([...new Set(got.map((r) => r.index))].sort(), [3, 7]);
  p.setChoking(a, false);
  assert.equal(p.pick(a, 2).length, 2);
  ok(p);
});

test('endgame: duplicates go to other peers, and arrival cancels the others', () => {
  const p = make(2, 2, { endgameRequesters: 2 });
  const a = peer(p, 'a', 'all');
  const b = peer(p, 'b', 'all');
  assert.equal(p.endgame, false);
  assert.equal(p.pick(a, 10).length, 4);
  assert.equal(p.endgame, true);
  const dup = p.pick(b, 10);
  assert.equal(dup.length, 4, 'every outstanding block once more');
  assert.deepEqual(p.pick(b, 10), [], 'not twice to the same peer');
  const c = peer(p, 'c', 'all');
  assert.deepEqual(p.pick(c, 10), [], 'at most endgameRequesters per block');
  const r = dup[0]!;
  const out = p.onBlock(b, r.index, r.begin, r.length);
  assert.equal(out.status, 'accepted');
  assert.deepEqual(out.cancel.map((q) => q.ref), ['a']);
  assert.equal(a.outstanding.has(p.geometry.key(r.index, r.begin)), false);
  assert.equal(p.onBlock(a, r.index, r.begin, r.length).status, 'duplicate', 'the cancelled copy arriving late');
  ok(p);
});

test('no endgame while a needed piece some peer has is not started', () => {
  const p = make(3, 1, { maxPiecesInFlight: 2 });
  const a = peer(p, 'a', 'all');
  const b = peer(p, 'b', 'all');
  assert.equal(p.pick(a, 10).length, 2);
  assert.equal(p.endgame, false, 'one piece waits for a slot');
  assert.deepEqual(p.pick(b, 10), []);
  // A piece nobody has does not hold endgame back.
  const q = make(3, 1);
  const x = peer(q, 'x', [0, 1]);
  const y = peer(q, 'y', [0, 1]);
  assert.equal(q.pick(x, 10).length, 2);
  assert.equal(q.endgame, true);
  assert.equal(q.pick(y, 10).length, 2);
});

test('block arrival, completion, verification and interest', () => {
  const p = make(2, 2);
  const a = peer(p, 'a', [0]);
  const reqs = p.pick(a, 10);
  assert.equal(reqs.length, 2);
  assert.equal(p.onBlock(a, 0, 0, KB16).status, 'accepted');
  assert.equal(p.onBlock(a, 0, 0, KB16).status, 'duplicate');
  assert.equal(p.onBlock(a, 0, KB16, 5).status, 'unexpected', 'wrong length');
  assert.equal(p.onBlock(a, 0, KB16, KB16).status, 'complete');
  assert.equal(p.remaining, 2);
  p.pieceVerified(0);
  assert.equal(p.remaining, 1);
  assert.ok(p.have.get(0));
  assert.equal(p.isInteresting(a), false);
  assert.equal(p.isInFlight(0), false);
  assert.equal(p.onBlock(a, 0, 0, KB16).status, 'unexpected');
  ok(p);
});

test('hash failure resets the piece and names every peer that sent a block', () => {
  const p = make(1, 3);
  const a = peer(p, 'a', 'all');
  const b = peer(p, 'b', 'all');
  const ra = p.pick(a, 2);
  const rb = p.pick(b, 1);
  assert.equal(rb.length, 1);
  for (const r of ra) p.onBlock(a, r.index, r.begin, r.length);
  assert.equal(p.onBlock(b, rb[0]!.index, rb[0]!.begin, rb[0]!.length).status, 'complete');
  const blamed = p.pieceFailed(0);
  assert.deepEqual(blamed.map((q) => q.ref).sort(), ['a', 'b']);
  assert.equal(p.isInFlight(0), false);
  assert.equal(p.remaining, 1);
  assert.equal(p.pick(b, 5).length, 3, 'the whole piece is requested again');
  ok(p);
});

test('rejects, timeouts and chokes return blocks; an untouched piece goes back to the index', () => {
  const p = make(4, 4);
  const a = peer(p, 'a', 'all');
  const b = peer(p, 'b', 'all');
  const got = p.pick(a, 3);
  const i = got[0]!.index;
  assert.equal(p.release(a, i, KB16), true);
  assert.equal(p.release(a, i, KB16), false, 'already released');
  assert.equal(p.release(a, i - 1 < 0 ? i : i - 1, 4 * KB16), false, 'past the piece end (the next piece\'s key)');
  assert.equal(p.release(a, i, KB16 / 2), false, 'not a block boundary');
  assert.deepEqual(p.pick(b, 2).map((r) => [r.index, r.begin]), [[i, KB16], [i, 3 * KB16]]);
  assert.equal(p.releaseAll(a), 2);
  assert.equal(p.releaseAll(b), 2);
  assert.equal(p.isInFlight(i), false, 'nothing requested or received: slot given back');
  ok(p);
  const again = p.pick(a, 2);
  assert.equal(p.onBlock(a, again[0]!.index, 0, KB16).status, 'accepted');
  p.removePeer(a);
  assert.equal(p.piecesInFlight, 1, 'a piece with data stays in flight');
  ok(p);
});

test('HAVE_ALL counts as a seed in O(1); disconnects subtract', () => {
  const p = make(5, 1);
  const a = peer(p, 'a', [0, 1]);
  const s = peer(p, 's', 'all');
  const full = peer(p, 'f', [0, 1, 2, 3, 4]);
  assert.equal(p.availability(0), 3);
  assert.equal(p.availability(4), 2);
  p.removePeer(s);
  assert.equal(p.availability(4), 1);
  p.removePeer(full);
  p.removePeer(a);
  assert.equal(p.availability(0), 0);
  const h = peer(p, 'h', [2]);
  p.peerHaveNone(h);
  assert.equal(p.availability(2), 0);
  assert.throws(() => p.peerBitfield(h, new Bitfield(4)), SchedulerError);
  ok(p);
});

test('SUGGEST (BEP 6): a suggested piece is started before the rarest one; stale and out-of-range suggestions are dropped', () => {
  const p = make(10);
  // Piece 9 is the rarest (only a has it); a suggests piece 2, which two peers have.
  const a = peer(p, 'a', 'all');
  peer(p, 'b', [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  peer(p, 'c', [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(p.peerSuggest(a, 10), false, 'out of range');
  assert.equal(p.peerSuggest(a, 2), true);
  const first = p.pick(a, 4);
  assert.deepEqual([...new Set(first.map((r) => r.index))], [2], 'the suggestion first');
  // Its next new piece is the rarest again.
  const next = p.pick(a, 4);
  assert.deepEqual([...new Set(next.map((r) => r.index))], [9]);
  // A suggestion for a piece already in flight or verified is skipped; the list keeps 8.
  for (let i = 0; i < 12; i++) p.peerSuggest(a, i % 10);
  assert.equal(a.suggested.length, 8);
  p.peerSuggest(a, 2);
  const later = p.pick(a, 4);
  assert.ok(later.every((r) => r.index !== 2 && r.index !== 9), 'in-flight pieces are not started again');
  ok(p);
});
