import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { SipHash } from '../../src/tracker/server/siphash.js';

test('SipHash-2-4 matches the reference vectors (key 00..0f, message 00..n-1)', () => {
  // From the SipHash paper's test vectors (output bytes in little-endian order).
  const want: Record<number, string> = {
    0: '310e0edd47db6f72',
    1: 'fd67dc93c539f874',
    7: '37d1018bf50002ab',
    8: '6224939a79f5f593',
    15: 'e545be4961ca29a1',
    63: '724506eb4c328a95',
  };
  const s = new SipHash(Uint8Array.from({ length: 16 }, (_, i) => i));
  const msg = Uint8Array.from({ length: 64 }, (_, i) => i);
  const out = new Uint8Array(10);
  for (const [n, hex] of Object.entries(want)) {
    s.hash(msg, 0, Number(n), out, 1);
    assert.equal(Buffer.from(out.subarray(1, 9)).toString('hex'), hex, `length ${n}`);
  }
  const shifted = new Uint8Array(70);
  shifted.set(msg.subarray(0, 15), 3);
  s.hash(shifted, 3, 15, out, 0);
  assert.equal(Buffer.from(out.subarray(0, 8)).toString('hex'), want[15]);
  assert.throws(() => new SipHash(new Uint8Array(15)), { code: 'ETRACKER_CONFIG' } as object);
});
