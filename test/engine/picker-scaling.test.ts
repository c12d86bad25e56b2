// "Nothing O(pieces) per block": the work the picker does per block, counted as bitfield
// probes (every candidate piece it looks at), must not grow with the torrent's size.
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { Bitfield } from '../../src/core/bitfield.js';
import { BLOCK_SIZE, PiecePicker } from '../../src/engine/picker/index.js';
import type { PickerPeer } from '../../src/engine/picker/index.js';
import { rng } from './helpers.js';

function probesPerBlock(pieces: number, sequential: boolean): number {
  const r = rng(pieces);
  const p = new PiecePicker<number>({ pieceLength: 4 * BLOCK_SIZE, totalLength: pieces * 4 * BLOCK_SIZE, maxPiecesInFlight: 32, random: r });
  p.sequential = sequential;
  const peers: PickerPeer<number>[] = [];
  for (let k = 0; k < 12; k++) {
    const q = p.addPeer(k);
    if (k < 3) p.peerHaveAll(q);
    else {
      const bf = new Bitfield(pieces);
      for (let i = 0; i < pieces; i++) if (r() < 0.5) bf.set(i);
      p.peerBitfield(q, bf);
    }
    p.setChoking(q, false);
    peers.push(q);
  }
  const get = Bitfield.prototype.get;
  let probes = 0;
  Bitfield.prototype.get = function (this: Bitfield, i: number): boolean {
    probes++;
    return get.call(this, i);
  };
  let blocks = 0;
  try {
    while (p.remaining > 0) {
      for (const q of peers) {
        for (const b of p.pick(q, 8)) {
          blocks++;
          if (p.onBlock(q, b.index, b.begin, b.length).status === 'complete') p.pieceVerified(b.index);
        }
      }
    }
  } finally {
    Bitfield.prototype.get = get;
  }
  return probes / blocks;
}

for (const sequential of [false, true]) {
  test(`work per block does not grow with the piece count (${sequential ? 'sequential' : 'rarest first'})`, () => {
    const small = probesPerBlock(500, sequential);
    const large = probesPerBlock(20_000, sequential);
    assert.ok(large < small * 2 + 1, `probes per block: ${small.toFixed(2)} at 500 pieces, ${large.toFixed(2)} at 20,000`);
  });
}
