import { decode } from '../bencode/decode.js';
import { encode } from '../bencode/encode.js';
import { BencodeError } from '../bencode/errors.js';
import type { BDict, BEncodable, BValue } from '../bencode/types.js';
import { utf8 } from '../bencode/access.js';
import { ipToBytes, ipToString } from './address.js';
import { WireEncodeError, WireError } from './errors.js';

/** Extended id of the BEP 10 handshake message itself. */
export const EXTENDED_HANDSHAKE_ID = 0;

/** The BEP 10 extension handshake (the payload of extended message 0). */
export interface ExtensionHandshake {
  /** Extension name -> the id the sender wants to receive it on; 0 disables it (BEP 10). */
  readonly m: ReadonlyMap<string, number>;
  /** Client name and version. */
  readonly v?: string;
  /** The sender's TCP listen port. */
  readonly p?: number;
  /** How many outstanding requests the sender accepts. */
  readonly reqq?: number;
  /** Our address as the sender sees it (IPv4 or IPv6 text). */
  readonly yourip?: string;
  /** BEP 9: size of the info dictionary in bytes. */
  readonly metadataSize?: number;
  /** The sender's own addresses, if it knows them. */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** BEP 21 upload_only. */
  readonly uploadOnly?: boolean;
  /** The decoded dict, for keys not modelled here (absent when encoding). */
  readonly raw?: BDict;
}

export interface ExtensionLimits {
  /** Largest metadata_size accepted (default 32 MiB). Larger values are a WireError. */
  readonly maxMetadataSize?: number;
  /** Entries of `m` kept (default 128); further entries are ignored. */
  readonly maxExtensions?: number;
}

const MAX_NAME = 64;
const MAX_VERSION_BYTES = 256;

function bad(message: string, cause?: unknown): WireError {
  return new WireError('bad_extension', `extension handshake: ${message}`, {}, cause ? { cause } : undefined);
}

function int(v: BValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function ip(v: BValue | undefined, len?: number): string | undefined {
  if (!(v instanceof Uint8Array) || (len !== undefined && v.length !== len)) return undefined;
  return ipToString(v);
}

/**
 * Decodes an extension handshake payload. Lenient where real clients differ (unsorted
 * keys, unknown keys, a field of the wrong type or out of range is dropped), strict where
 * safety needs it: the payload must be one bencoded dict within depth/item limits, and a
 * metadata_size above the limit is a WireError.
 */
export function decodeExtensionHandshake(payload: Uint8Array, limits: ExtensionLimits = {}): ExtensionHandshake {
  let root: BValue;
  try {
    // Trailing bytes are tolerated: some clients pad this message.
    root = decode(payload, { strict: false, allowTrailing: true, maxDepth: 16, maxItems: 10_000 });
  } catch (e) {
    if (e instanceof BencodeError) throw bad(e.message, e);
    throw e;
  }
  if (!(root instanceof Map)) throw bad('payload is not a dictionary');
  const maxExt = limits.maxExtensions ?? 128;
  const m = new Map<string, number>();
  const rawM = root.get('m');
  if (rawM instanceof Map) {
    for (const [name, id] of rawM) {
      if (m.size >= maxExt) break;
      const n = int(id);
      if (name.length === 0 || name.length > MAX_NAME || n === undefined || n < 0 || n > 255) continue;
      m.set(Buffer.from(name, 'latin1').toString('utf8'), n);
    }
  }
  const out: { -readonly [K in keyof ExtensionHandshake]: ExtensionHandshake[K] } = { m, raw: root };
  const v = root.get('v');
  if (v instanceof Uint8Array) out.v = utf8(v.subarray(0, MAX_VERSION_BYTES));
  const p = int(root.get('p'));
  if (p !== undefined && p > 0 && p <= 0xffff) out.p = p;
  const reqq = int(root.get('reqq'));
  if (reqq !== undefined && reqq > 0) out.reqq = reqq;
  const yourip = ip(root.get('yourip'));
  if (yourip !== undefined) out.yourip = yourip;
  const ipv4 = ip(root.get('ipv4'), 4);
  if (ipv4 !== undefined) out.ipv4 = ipv4;
  const ipv6 = ip(root.get('ipv6'), 16);
  if (ipv6 !== undefined) out.ipv6 = ipv6;
  const uo = int(root.get('upload_only'));
  if (uo !== undefined) out.uploadOnly = uo !== 0;
  const ms = root.get('metadata_size');
  if (ms !== undefined) {
    const max = limits.maxMetadataSize ?? 32 << 20;
    const n = int(ms);
    if (n === undefined || n <= 0 || n > max) throw bad(`metadata_size ${String(ms)} outside 1..${max}`);
    out.metadataSize = n;
  }
  return out;
}

function addr(s: string, len?: number): Uint8Array {
  const b = ipToBytes(s);
  if (!b || (len !== undefined && b.length !== len)) throw new WireEncodeError(`not an IP${len === 4 ? 'v4' : len === 16 ? 'v6' : ''} address: ${s}`);
  return b;
}

/** Encodes an extension handshake payload (send it with `encodeExtended(0, payload)`). */
export function encodeExtensionHandshake(h: ExtensionHandshake): Buffer {
  const m = new Map<string, BEncodable>();
  for (const [name, id] of h.m) {
    if (!(Number.isInteger(id) && id >= 0 && id <= 255)) throw new WireEncodeError(`extension id out of range: ${name}=${id}`);
    m.set(Buffer.from(name, 'utf8').toString('latin1'), id);
  }
  const d: Record<string, BEncodable | undefined> = {
    m,
    v: h.v,
    p: h.p,
    reqq: h.reqq,
    yourip: h.yourip !== undefined ? addr(h.yourip) : undefined,
    metadata_size: h.metadataSize,
    ipv4: h.ipv4 !== undefined ? addr(h.ipv4, 4) : undefined,
    ipv6: h.ipv6 !== undefined ? addr(h.ipv6, 16) : undefined,
    upload_only: h.uploadOnly === undefined ? undefined : h.uploadOnly ? 1 : 0,
  };
  return encode(d);
}
