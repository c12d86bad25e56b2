// SuperSeeder and Drainer against fake connections: which piece goes to whom, and when.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Drainer } from '../../src/engine/drain.js';
import type { DrainHost } from '../../src/engine/drain.js';
import type { PeerConnection } from '../../src/engine/peer.js';
import { PickerPeer } from '../../src/engine/picker/peer.js';
import { SuperSeeder } from '../../src/engine/superseed.js';
import { Bitfield } from '../../src/core/bitfield.js';

interface Fake {
  conn: PeerConnection;
  haves: number[];
  suggests: number[];
  allowed: number[];
  get choked(): boolean;
}

function fakePeer(n: number, has: number[], connectedAt = 0, interested = true): Fake {
  const haves: number[] = [];
  const suggests: number[] = [];
  const allowed: number[] = [];
  const c = {
    ready: true,
    closed: false,
    fast: true,
    connectedAt,
    peerInterested: interested,
    amChoking: true,
    pp: undefined as PickerPeer<unknown> | undefined,
    sendHave: (_m: Buffer, i: number) => haves.push(i),
    suggest: (i: number) => (suggests.push(i), true),
    allowFast: (i: number) => (allowed.push(i), true),
    unchoke: () => (c.amChoking = false),
    choke: () => (c.amChoking = true),
  };
  c.pp = new PickerPeer<unknown>(c, n);
  for (const i of has) c.pp.bitfield.set(i);
  return {
    conn: c as unknown as PeerConnection,
    haves,
    suggests,
    allowed,
    get choked() {
      return c.amChoking;
    },
  };
}

/** Availability from the fakes' bitfields. */
function hostOf(n: number, peers: Fake[], have?: Bitfield): DrainHost {
  const full = have ?? new Bitfield(n);
  if (have === undefined) full.setAll();
  return {
    have: full,
    pieceCount: n,
    uploaded: 0,
    availability: (i) => peers.filter((p) => !p.conn.closed && p.conn.pp!.has(i)).length,
    pieceSize: () => 16384,
    readyPeers: () => peers.filter((p) => !p.conn.closed).map((p) => p.conn),
  };
}

function peerHas(p: Fake, i: number): void {
  p.conn.pp!.bitfield.set(i);
}

test('super-seeding: two distinct fresh pieces per peer, the next only once one is passed on or finished', () => {
  const n = 16;
  const a = fakePeer(n, []);
  const b = fakePeer(n, []);
  const peers = [a, b];
  const ss = new SuperSeeder(hostOf(n, peers));
  ss.tick();
  assert.equal(a.haves.length, 2);
  assert.equal(b.haves.length, 2);
  assert.equal(new Set([...a.haves, ...b.haves]).size, 4, 'no piece offered twice');
  // Only offered pieces are served.
  assert.equal(ss.gate(a.conn, a.haves[0]!), true);
  assert.equal(ss.gate(a.conn, b.haves[0]!), false);
  // Nothing new while the offers are open.
  ss.tick();
  assert.equal(a.haves.length, 2);
  // a finishes its first piece: one new offer to a.
  const first = a.haves[0]!;
  peerHas(a, first);
  ss.onHave(a.conn, first);
  assert.equal(a.haves.length, 3);
  assert.ok(!a.haves.slice(0, 2).includes(a.haves[2]!));
  // b passes a's second piece on (it got it from a): a's slot frees as well.
  const second = a.haves[1]!;
  peerHas(b, second);
  ss.onHave(b.conn, second);
  assert.equal(a.haves.length, 4);
  assert.equal(b.haves.length, 2, "b's own offers are still open");
  assert.equal(ss.gate(a.conn, first), true, 'requests for pieces already handed out are still served');
});

test('super-seeding: a peer that leaves gives its pieces back; the mode ends once every piece was seen', () => {
  const n = 6;
  const a = fakePeer(n, []);
  const b = fakePeer(n, []);
  const peers = [a, b];
  const ss = new SuperSeeder(hostOf(n, peers));
  ss.tick();
  const lost = [...a.haves];
  (a.conn as { closed: boolean }).closed = true;
  ss.peerClosed(a.conn);
  // b finishes its two: it is offered a's lost pieces among the rest.
  for (const i of [...b.haves]) {
    peerHas(b, i);
    ss.onHave(b.conn, i);
  }
  assert.equal(b.haves.length, 4);
  for (const i of [...b.haves.slice(2)]) {
    peerHas(b, i);
    ss.onHave(b.conn, i);
  }
  assert.equal(b.haves.length, 6);
  for (const i of lost) assert.ok(b.haves.includes(i), `lost piece ${i} re-offered`);
  assert.equal(ss.active, true);
  for (const i of b.haves.slice(4)) {
    peerHas(b, i);
    ss.onHave(b.conn, i);
  }
  assert.equal(ss.seenPieces, n);
  assert.equal(ss.active, false, 'every piece seen: super-seeding ends');
});

test('drain: at-risk pieces go to the peers likeliest to stay, spread by load; done on their HAVEs', () => {
  const n = 8;
  const now = 1_000_000;
  // Old, nearly complete peer; young, empty peer; both lack pieces 6 and 7 (we hold them alone).
  const old = fakePeer(n, [0, 1, 2, 3, 4, 5], now - 600_000);
  const young = fakePeer(n, [], now - 1000);
  const peers = [young, old];
  const progress: number[] = [];
  const d = new Drainer(hostOf(n, peers), { minCopies: 1, timeoutMs: 10_000, onProgress: (p) => progress.push(p.atRisk) }, now);
  // Pieces 6, 7 are at risk; the first goes to the old peer (weight 3.5 vs about 1).
  assert.deepEqual(progress, [2]);
  assert.ok(old.haves.includes(6) || old.haves.includes(7));
  assert.deepEqual(old.suggests, old.haves);
  assert.deepEqual(old.allowed, old.haves);
  assert.equal(old.choked, false);
  assert.equal(d.isTarget(old.conn), true);
  // Both pieces to the old one (cost 2/3.5 < 1/1.0): the young one gets nothing and is choked.
  assert.deepEqual(old.haves.sort(), [6, 7]);
  assert.equal(d.isTarget(young.conn), false);
  d.rechoke(peers.map((p) => p.conn));
  assert.equal(young.choked, true);
  let result: import('../../src/engine/drain.js').DrainResult | undefined;
  void d.result.then((r) => (result = r));
  peerHas(old, 6);
  d.onHave(old.conn, 6);
  assert.equal(d.done, false);
  peerHas(old, 7);
  d.onHave(old.conn, 7);
  assert.equal(d.done, true);
  return d.result.then((r) => {
    result = r;
    assert.equal(result.complete, true);
    assert.equal(result.atRiskAtStart, 2);
  });
});

test('drain: times out with the pieces still at risk; ends early when nobody can take them', async () => {
  const n = 4;
  const p = fakePeer(n, [0, 1], 0);
  const d = new Drainer(hostOf(n, [p]), { minCopies: 1, timeoutMs: 2000 }, 0);
  d.step(1000);
  assert.equal(d.done, false);
  d.step(2500);
  const r = await d.result;
  assert.equal(r.complete, false);
  assert.equal(r.reason, 'timeout');
  assert.deepEqual(r.atRisk, [2, 3]);

  const lonely = new Drainer(hostOf(n, []), { minCopies: 1, timeoutMs: 60_000, noPeersMs: 3000 }, 0);
  lonely.step(3500);
  const r2 = await lonely.result;
  assert.equal(r2.reason, 'no-peers');
  assert.deepEqual(r2.atRisk, [0, 1, 2, 3]);

  const ac = new AbortController();
  const aborted = new Drainer(hostOf(n, [p]), { minCopies: 1, signal: ac.signal }, 0);
  ac.abort();
  assert.equal((await aborted.result).reason, 'aborted');
});

test('drain: interested peers first; a hand-over not done in 15 s goes to a second peer too', () => {
  const n = 2;
  const t0 = 1_000_000;
  const bored = fakePeer(n, [0], t0 - 600_000, false);
  const keen = fakePeer(n, [0], t0 - 1000, true);
  const d = new Drainer(hostOf(n, [bored, keen]), { minCopies: 1, timeoutMs: 60_000 }, t0);
  assert.deepEqual(keen.haves, [1], 'the interested peer gets the piece though the other is older');
  assert.deepEqual(bored.haves, []);
  d.step(t0 + 5000);
  assert.deepEqual(bored.haves, [], 'still waiting for the first hand-over');
  d.step(t0 + 16_000);
  assert.deepEqual(bored.haves, [1], 'stale: handed to the other peer as well');
  assert.equal(d.isTarget(keen.conn) && d.isTarget(bored.conn), true);
  d.cancel();
});
