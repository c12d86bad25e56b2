import { decode } from '../bencode/decode.js';
import { encode } from '../bencode/encode.js';
import { BencodeError } from '../bencode/errors.js';
import type { BDict, BValue } from '../bencode/types.js';
import { ipToBytes, ipToString } from './address.js';
import { WireEncodeError, WireError } from './errors.js';

/** BEP 11 ut_pex: peers added and dropped since the last message, in compact form. */
export const UT_PEX = 'ut_pex';

/** Per-peer flags of `added.f` / `added6.f` (BEP 11). */
export const PexFlags = {
  encryption: 0x01, // prefers encryption
  seed: 0x02, // seed / upload only
  utp: 0x04, // supports uTP
  holepunch: 0x08, // supports ut_holepunch
  reachable: 0x10, // outgoing connection: the address is connectable
} as const;

export interface PexAddress {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}
export interface PexPeer extends PexAddress {
  readonly flags: number;
}
export interface PexMessage {
  readonly added: readonly PexPeer[];
  readonly dropped: readonly PexAddress[];
}

export interface PexLimits {
  /** Entries kept per list (added, dropped), IPv4 and IPv6 together; default 200. The BEP
   * asks senders for at most 50; beyond the cap entries are ignored, not an error. */
  readonly maxPeers?: number;
}

function bad(message: string, cause?: unknown): WireError {
  return new WireError('bad_pex', `ut_pex: ${message}`, {}, cause ? { cause } : undefined);
}

function compact(d: BDict, key: string, size: number): Uint8Array {
  const v: BValue | undefined = d.get(key);
  if (v === undefined) return new Uint8Array(0);
  if (!(v instanceof Uint8Array)) throw bad(`${key} must be a byte string`);
  if (v.length % size !== 0) throw bad(`${key} length ${v.length} is not a multiple of ${size}`);
  return v;
}

function flagsOf(d: BDict, key: string): Uint8Array | undefined {
  const v = d.get(key);
  return v instanceof Uint8Array ? v : undefined;
}

function read(list: Uint8Array, ipLen: 4 | 16, max: number, into: PexAddress[] | PexPeer[], flags?: Uint8Array): void {
  const size = ipLen + 2;
  const family = ipLen === 4 ? 4 : 6;
  for (let i = 0, k = 0; i < list.length && into.length < max; i += size, k++) {
    const port = (list[i + ipLen]! << 8) | list[i + ipLen + 1]!;
    if (port === 0) continue;
    const host = ipToString(list.subarray(i, i + ipLen))!;
    if (flags) (into as PexPeer[]).push({ host, port, family, flags: flags[k] ?? 0 });
    else (into as PexAddress[]).push({ host, port, family });
  }
}

/** Decodes a ut_pex payload. Missing or short flag strings read as 0; port 0 entries are skipped. */
export function decodePex(payload: Uint8Array, limits: PexLimits = {}): PexMessage {
  let root: BValue;
  try {
    root = decode(payload, { strict: false, allowTrailing: false, maxDepth: 4, maxItems: 256 });
  } catch (e) {
    if (e instanceof BencodeError) throw bad(e.message, e);
    throw e;
  }
  if (!(root instanceof Map)) throw bad('payload is not a dictionary');
  const max = limits.maxPeers ?? 200;
  const added: PexPeer[] = [];
  const dropped: PexAddress[] = [];
  const none = new Uint8Array(0);
  read(compact(root, 'added', 6), 4, max, added, flagsOf(root, 'added.f') ?? none);
  read(compact(root, 'added6', 18), 16, max, added, flagsOf(root, 'added6.f') ?? none);
  read(compact(root, 'dropped', 6), 4, max, dropped);
  read(compact(root, 'dropped6', 18), 16, max, dropped);
  return { added, dropped };
}

function pack(peers: readonly PexAddress[], family: 4 | 6): { list: Buffer; flags: Buffer } {
  const ipLen = family === 4 ? 4 : 16;
  const mine = peers.filter((p) => p.family === family);
  const list = Buffer.alloc(mine.length * (ipLen + 2));
  const flags = Buffer.alloc(mine.length);
  mine.forEach((p, i) => {
    const b = ipToBytes(p.host);
    if (!b || b.length !== ipLen) throw new WireEncodeError(`not an IPv${family} address: ${p.host}`);
    if (!(Number.isInteger(p.port) && p.port > 0 && p.port <= 0xffff)) throw new WireEncodeError(`port out of range: ${p.port}`);
    const o = i * (ipLen + 2);
    list.set(b, o);
    list.writeUInt16BE(p.port, o + ipLen);
    flags[i] = 'flags' in p ? (p as PexPeer).flags & 0xff : 0;
  });
  return { list, flags };
}

/** Encodes a ut_pex payload (all six keys, empty strings where a list is empty). */
export function encodePex(m: PexMessage): Buffer {
  const a4 = pack(m.added, 4);
  const a6 = pack(m.added, 6);
  return encode({
    added: a4.list,
    'added.f': a4.flags,
    added6: a6.list,
    'added6.f': a6.flags,
    dropped: pack(m.dropped, 4).list,
    dropped6: pack(m.dropped, 6).list,
  });
}
