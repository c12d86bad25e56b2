import { isIPv4, isIPv6 } from 'node:net';
import { TrackerProtocolError } from './errors.js';

/** Compact peer forms: BEP 23 (IPv4, 6 bytes) and BEP 7 (IPv6, 18 bytes): address then port, big-endian. */
export const COMPACT4 = 6;
export const COMPACT6 = 18;

export interface PeerAddress {
  readonly ip: string;
  readonly port: number;
}

/** Address family of a compact entry by its length. */
export type Family = 4 | 6;

/**
 * Normalizes a socket address: IPv4-mapped IPv6 (`::ffff:a.b.c.d`) becomes plain IPv4.
 * Returns undefined when `ip` is not an IP literal.
 */
export function normalizeIp(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return undefined;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m && isIPv4(m[1]!)) return m[1]!;
  return ip;
}

/** Writes the 4 bytes of an IPv4 literal at `off`. Caller checked isIPv4. */
function writeIPv4(ip: string, out: Uint8Array, off: number): void {
  let v = 0;
  let k = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 0x2e) {
      out[off + k++] = v;
      v = 0;
    } else v = v * 10 + (c - 0x30);
  }
  out[off + k] = v;
}

/** Writes the 16 bytes of an IPv6 literal at `off` (handles `::` and an embedded IPv4 tail). */
function writeIPv6(ip: string, out: Uint8Array, off: number): void {
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  let tail: number[] = [];
  const lastColon = ip.lastIndexOf(':');
  const last = ip.slice(lastColon + 1);
  if (last.includes('.')) {
    const b = new Uint8Array(4);
    writeIPv4(last, b, 0);
    tail = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    ip = ip.slice(0, lastColon + 1) + '0';
  }
  const halves = ip.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  let groups: number[];
  if (halves.length === 2) {
    const a = parse(halves[0]!);
    const b = parse(halves[1]!);
    if (tail.length) b.pop();
    const fill = 8 - a.length - b.length - tail.length;
    groups = [...a, ...new Array<number>(Math.max(0, fill)).fill(0), ...b, ...tail];
  } else {
    groups = parse(ip);
    if (tail.length) groups.pop();
    groups.push(...tail);
  }
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? 0;
    out[off + 2 * i] = g >> 8;
    out[off + 2 * i + 1] = g & 0xff;
  }
}

/** The compact form (6 or 18 bytes) of ip:port. Throws on a non-IP string or a bad port. */
export function encodeCompactPeer(ip: string, port: number): Uint8Array {
  const n = normalizeIp(ip);
  if (n === undefined) throw new TrackerProtocolError('bad_param', `not an IP address: ${ip.slice(0, 64)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TrackerProtocolError('bad_port', `bad port ${port}`);
  const v4 = isIPv4(n);
  const out = new Uint8Array(v4 ? COMPACT4 : COMPACT6);
  if (v4) writeIPv4(n, out, 0);
  else writeIPv6(n, out, 0);
  out[out.length - 2] = port >> 8;
  out[out.length - 1] = port & 0xff;
  return out;
}

/** ip:port of one compact entry (`len` 6 or 18) at `off`. */
export function decodeCompactPeer(buf: Uint8Array, off: number, len: number): PeerAddress {
  const port = (buf[off + len - 2]! << 8) | buf[off + len - 1]!;
  if (len === COMPACT4) return { ip: `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`, port };
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(((buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!).toString(16));
  return { ip: compressIPv6(g), port };
}

function compressIPv6(g: string[]): string {
  // Longest run of zero groups (length >= 2) becomes '::' (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/** Splits a compact peer string (BEP 23 `peers` or BEP 7 `peers6`). Trailing partial entries are an error. */
export function decodeCompactPeers(buf: Uint8Array, family: Family): PeerAddress[] {
  const len = family === 4 ? COMPACT4 : COMPACT6;
  if (buf.length % len !== 0) {
    throw new TrackerProtocolError('bad_response', `compact peer list length ${buf.length} is not a multiple of ${len}`);
  }
  const out: PeerAddress[] = [];
  for (let off = 0; off < buf.length; off += len) out.push(decodeCompactPeer(buf, off, len));
  return out;
}

/** Concatenated compact form of several peers of one family. */
export function encodeCompactPeers(peers: readonly PeerAddress[], family: Family): Uint8Array {
  const len = family === 4 ? COMPACT4 : COMPACT6;
  const parts = peers.map((p) => encodeCompactPeer(p.ip, p.port)).filter((b) => b.length === len);
  const out = new Uint8Array(parts.length * len);
  parts.forEach((b, i) => out.set(b, i * len));
  return out;
}
