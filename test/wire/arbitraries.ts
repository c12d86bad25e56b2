import fc from 'fast-check';
import type { WireMessage } from '../../src/wire/messages.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });

/** Any valid wire message within the decoder's default limits. */
export const wireMessage: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.constantFrom<WireMessage>(
    { type: 'keep-alive' },
    { type: 'choke' },
    { type: 'unchoke' },
    { type: 'interested' },
    { type: 'not-interested' },
    { type: 'have-all' },
    { type: 'have-none' },
  ),
  u32.map((index): WireMessage => ({ type: 'have', index })),
  u32.map((index): WireMessage => ({ type: 'suggest', index })),
  u32.map((index): WireMessage => ({ type: 'allowed-fast', index })),
  bytes(64).map((bitfield): WireMessage => ({ type: 'bitfield', bitfield })),
  fc.tuple(u32, u32, u32).map(([index, begin, length]): WireMessage => ({ type: 'request', index, begin, length })),
  fc.tuple(u32, u32, u32).map(([index, begin, length]): WireMessage => ({ type: 'cancel', index, begin, length })),
  fc.tuple(u32, u32, u32).map(([index, begin, length]): WireMessage => ({ type: 'reject', index, begin, length })),
  fc.tuple(u32, u32, bytes(300)).map(([index, begin, block]): WireMessage => ({ type: 'piece', index, begin, block })),
  fc.integer({ min: 0, max: 0xffff }).map((port): WireMessage => ({ type: 'port', port })),
  fc.tuple(fc.integer({ min: 0, max: 255 }), bytes(100)).map(([extId, payload]): WireMessage => ({ type: 'extended', extId, payload })),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }).filter((id) => (id >= 10 && id <= 12) || (id >= 18 && id <= 19) || id >= 21), bytes(40))
    .map(([id, payload]): WireMessage => ({ type: 'unknown', id, payload })),
);

/** Plain-data form of a decoded message, for deepEqual across Buffer / Uint8Array views. */
export function plain(m: object): unknown {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) o[k] = v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
  return o;
}
