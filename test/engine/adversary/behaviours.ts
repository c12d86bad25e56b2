// Scripts for ScriptedConn: an honest seeder (optionally corrupting or holding its unchoke)
// and the raw hostile payloads the adversary tests send.
import { CHOKE, UNCHOKE, INTERESTED, encodeBitfield, encodeHave, encodePiece, encodeRequest } from '../../../src/wire/encode.js';
import type { Metainfo } from '../../../src/metainfo/types.js';
import type { ScriptedConn } from './scripted-peer.js';
import { procMemory } from '../../helpers/proc-status.js';

/** What a scripted peer needs to know about the torrent. */
export interface Swarm {
  readonly infoHash: Uint8Array;
  readonly pieceLength: number;
  readonly pieceCount: number;
  readonly totalLength: number;
  /** The whole content (file order), for seeders. */
  readonly content: Buffer;
}

export function swarmOf(meta: Metainfo, content: Buffer): Swarm {
  return { infoHash: meta.infoHash.bytes, pieceLength: meta.pieceLength, pieceCount: meta.pieceCount, totalLength: meta.totalLength, content };
}

export function pieceLen(s: Swarm, index: number): number {
  return Math.min(s.pieceLength, s.totalLength - index * s.pieceLength);
}

/** A bitfield with every piece set (spare bits clear). */
export function fullBitfield(pieceCount: number): Buffer {
  const b = Buffer.alloc(Math.ceil(pieceCount / 8));
  for (let i = 0; i < pieceCount; i++) b[i >> 3]! |= 0x80 >> (i & 7);
  return b;
}

export interface SeederStats {
  blocksServed: number;
  piecesTouched: Set<number>;
  badRequests: number;
}

export interface SeederScript {
  swarm: Swarm;
  peerId: Uint8Array;
  /** Flip bytes of every block of these pieces (default none). */
  corrupt?: (index: number) => boolean;
  /** Unchoke only once this settles (default: as soon as the peer is interested). */
  holdUnchoke?: Promise<unknown>;
}

/**
 * An honest (or corrupting) seeder: handshake, full bitfield, unchoke on interest, serves
 * every in-range request. Works on both dialed and accepted connections.
 */
export function runSeeder(c: ScriptedConn, o: SeederScript): SeederStats {
  const stats: SeederStats = { blocksServed: 0, piecesTouched: new Set(), badRequests: 0 };
  const s = o.swarm;
  c.handshake(s.infoHash, o.peerId);
  c.write(encodeBitfield(fullBitfield(s.pieceCount)));
  let unchoked = false;
  c.onMessage = (m) => {
    if (m.type === 'interested' && !unchoked) {
      unchoked = true;
      void Promise.resolve(o.holdUnchoke).then(() => c.write(UNCHOKE));
    } else if (m.type === 'request') {
      const len = m.index < s.pieceCount ? pieceLen(s, m.index) : 0;
      if (m.index >= s.pieceCount || m.begin + m.length > len || m.length === 0 || m.length > 1 << 17) {
        stats.badRequests++;
        return;
      }
      const at = m.index * s.pieceLength + m.begin;
      let block: Uint8Array = s.content.subarray(at, at + m.length);
      if (o.corrupt?.(m.index)) {
        const bad = Buffer.from(block);
        for (let i = 0; i < bad.length; i += 97) bad[i]! ^= 0x5a;
        block = bad;
      }
      const [head, body] = encodePiece(m.index, m.begin, block);
      c.socket.cork();
      c.write(head);
      c.write(body);
      c.socket.uncork();
      stats.blocksServed++;
      stats.piecesTouched.add(m.index);
    }
  };
  return stats;
}

/** A peer that handshakes correctly, shows a full bitfield, then sends `payload` raw. */
export function runHostile(c: ScriptedConn, swarm: Swarm, peerId: Uint8Array, payload: Uint8Array | undefined, opts: { bitfield?: boolean } = {}): void {
  c.handshake(swarm.infoHash, peerId);
  if (opts.bitfield ?? true) c.write(encodeBitfield(fullBitfield(swarm.pieceCount)));
  if (payload) c.write(payload);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** Raw messages that break the protocol, by name. Each must make a correct peer hang up. */
export function hostilePayloads(s: Swarm): Record<string, Buffer> {
  const block = Buffer.alloc(1 << 14, 7);
  const pieceHeader = (index: number, begin: number, len: number) => Buffer.concat([u32(9 + len), Buffer.from([7]), u32(index), u32(begin)]);
  return {
    // A length prefix far past any message limit: must close before allocating.
    'oversized length prefix (2 GiB piece)': Buffer.concat([u32(0x7fff_fff0), Buffer.from([7]), Buffer.alloc(64)]),
    'oversized bitfield (16 MiB)': Buffer.concat([u32(1 + (16 << 20)), Buffer.from([5]), Buffer.alloc(64)]),
    'have with an out-of-range piece index': encodeHave(s.pieceCount + 5),
    'have with index 0xffffffff': encodeHave(0xffff_ffff),
    'have with a 2-byte payload': Buffer.concat([u32(3), Buffer.from([4, 0, 0])]),
    'request with a 5-byte payload': Buffer.concat([u32(6), Buffer.from([6, 0, 0, 0, 0, 0])]),
    'unrequested piece with an out-of-range index': Buffer.concat([pieceHeader(s.pieceCount + 1, 0, block.length), block]),
    'unrequested piece past the end of piece 0': Buffer.concat([pieceHeader(0, s.pieceLength, block.length), block]),
  };
}

/** A bitfield message whose length does not match the piece count. */
export function wrongBitfield(s: Swarm): Buffer {
  return encodeBitfield(Buffer.alloc(Math.ceil(s.pieceCount / 8) + 9, 0xff));
}

/** Random bytes (no valid handshake). */
export function garbage(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + 17) & 0xff;
  b[0] = 0xee;
  return b;
}

/** Requests a leecher sends to attack a seeder, by name (each out of range or malformed). */
export function badRequests(s: Swarm): Record<string, Buffer> {
  const last = s.pieceCount - 1;
  return {
    'request for a piece index past the end': encodeRequest(s.pieceCount + 3, 0, 1 << 14),
    'request past the end of the last piece': encodeRequest(last, pieceLen(s, last) - 100, 1 << 14),
    'request of 1 MiB': encodeRequest(0, 0, 1 << 20),
    'request of length 0': encodeRequest(0, 0, 0),
  };
}

export { CHOKE, UNCHOKE, INTERESTED };

/** VmRSS and VmHWM of a process in bytes (Linux /proc), or undefined if it is gone. */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  const m = procMemory(pid);
  return m && { rss: m.rss, hwm: m.hwm };
}
