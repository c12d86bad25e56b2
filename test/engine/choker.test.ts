import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { Choker } from '../../src/engine/choker.js';
import type { ChokerPeer } from '../../src/engine/choker.js';
import { rng } from './helpers.js';

type View = { -readonly [K in keyof ChokerPeer<string>]: ChokerPeer<string>[K] };

function peer(id: string, down: number, extra: Partial<View> = {}): View {
  return { id, interested: true, choked: true, downloadRate: down, uploadRate: 0, connectedAt: -1_000_000, snubbed: false, ...extra };
}

/** Applies a decision to the scripted peers, as the engine would after sending the messages. */
function apply(peers: View[], d: { unchoke: string[]; choke: string[] }): void {
  for (const p of peers) {
    if (d.unchoke.includes(p.id)) p.choked = false;
    if (d.choke.includes(p.id)) p.choked = true;
  }
}

const unchoked = (peers: View[]): string[] => peers.filter((p) => !p.choked).map((p) => p.id).sort();

test('tit-for-tat: the four fastest uploaders to us plus one optimistic', () => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id, k) => peer(id, (k + 1) * 1000));
  const c = new Choker<string>({ random: rng(1) });
  const d = c.run(peers, 0, false)!;
  apply(peers, d);
  const regular = ['d', 'e', 'f', 'g'];
  assert.ok(d.optimistic !== undefined && !regular.includes(d.optimistic));
  assert.deepEqual(unchoked(peers), [...regular, d.optimistic].sort());
  assert.equal(c.run(peers, 5_000, false), null, 'not due before 10 s');
  // b becomes the fastest: it takes the slowest regular's slot.
  peers[1]!.downloadRate = 50_000;
  const d2 = c.run(peers, 10_000, false)!;
  apply(peers, d2);
  assert.ok(!peers[1]!.choked);
  assert.ok(peers[3]!.choked || d2.optimistic === 'd', 'd lost its regular slot');
});

test('peers not interested and snubbed peers get no regular slot', () => {
  const peers = [
    peer('fast-uninterested', 1e6, { interested: false, choked: false }),
    peer('snub', 1e6, { snubbed: true }),
    peer('a', 10),
    peer('b', 20),
  ];
  const c = new Choker<string>({ uploadSlots: 2, random: () => 0.99 });
  const d = c.run(peers, 0, false)!;
  assert.deepEqual(d.choke, ['fast-uninterested']);
  assert.deepEqual(d.unchoke.filter((id) => id !== d.optimistic).sort(), ['a', 'b']);
  assert.equal(d.optimistic, 'snub', 'the only candidate left for the optimistic slot');
});

test('seeding ranks by our upload rate to the peer', () => {
  const peers = [peer('x', 0, { uploadRate: 10 }), peer('y', 0, { uploadRate: 5_000 }), peer('z', 0, { uploadRate: 900 })];
  const c = new Choker<string>({ uploadSlots: 1, random: () => 0 });
  const d = c.run(peers, 0, true)!;
  apply(peers, d);
  assert.ok(!peers[1]!.choked, 'y, the fastest taker, has the regular slot');
  assert.equal(unchoked(peers).length, 2);
});

test('the optimistic unchoke is kept 30 s, then rotated; newly connected peers are favoured 3:1', () => {
  const peers = Array.from({ length: 8 }, (_, k) => peer(`p${k}`, 0, { interested: true }));
  const c = new Choker<string>({ uploadSlots: 0, random: rng(7) });
  const first = c.run(peers, 0, false)!.optimistic;
  assert.equal(c.run(peers, 10_000, false)!.optimistic, first);
  assert.equal(c.run(peers, 20_000, false)!.optimistic, first);
  const rotated = new Set<string | undefined>();
  for (let t = 30_000; t < 30_000 * 40; t += 30_000) rotated.add(c.run(peers, t, false)!.optimistic);
  assert.ok(rotated.size >= 4, `rotation visits many peers: ${rotated.size}`);

  // 1 new peer among 4: weight 3 of 6, so about half the picks.
  const mix = [peer('new', 0, { connectedAt: 0 }), peer('o1', 0), peer('o2', 0), peer('o3', 0)];
  let hits = 0;
  const rounds = 2000;
  for (let k = 0; k < rounds; k++) {
    if (new Choker<string>({ uploadSlots: 0, random: rng(1000 + k) }).run(mix, 10_000, false)!.optimistic === 'new') hits++;
  }
  assert.ok(hits > rounds * 0.42 && hits < rounds * 0.58, `new peer chosen ${hits}/${rounds}, expected about half`);
});

test('an optimistic peer that earns a regular slot is replaced at once; a departed one too', () => {
  const peers = [peer('a', 100), peer('b', 50), peer('c', 0)];
  const c = new Choker<string>({ uploadSlots: 1, random: () => 0 });
  const d = c.run(peers, 0, false)!;
  assert.equal(d.optimistic, 'b');
  apply(peers, d);
  peers[1]!.downloadRate = 1_000;
  const d2 = c.run(peers, 10_000, false)!;
  assert.equal(d2.optimistic, 'a', 'b is regular now, a moves to the optimistic slot');
  apply(peers, d2);
  assert.deepEqual(unchoked(peers), ['a', 'b']);
  const left = peers.filter((p) => p.id !== 'a');
  const d3 = c.run(left, 12_000, false, true)!;
  assert.equal(d3.optimistic, 'c');
  assert.deepEqual(d3.unchoke, ['c']);
});
