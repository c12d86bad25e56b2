import { isIP } from 'node:net';

/** A node or peer address. IPv4 as dotted quad, IPv6 in node's textual form. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** A DHT node: 20-byte id and address. */
export interface NodeInfo extends Address {
  readonly id: Uint8Array;
}

export const ID_LEN = 20;
/** Compact node info: id + IPv4 + port (BEP 5) and id + IPv6 + port (BEP 32). */
export const NODE4_LEN = 26;
export const NODE6_LEN = 38;
/** Compact peer info: IPv4 + port, IPv6 + port. */
export const PEER4_LEN = 6;
export const PEER6_LEN = 18;

/** Dotted-quad IPv4 without allocating intermediate strings; undefined when not one. */
function parseV4(s: string): Uint8Array | undefined {
  if (s.length < 7 || s.length > 15) return undefined;
  const out = new Uint8Array(4);
  let part = 0;
  let val = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return undefined;
      out[part++] = val;
      val = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && val === 0) return undefined; // leading zero
      val = val * 10 + (c - 48);
      if (++digits > 3 || val > 255) return undefined;
    } else return undefined;
  }
  if (part !== 3 || digits === 0) return undefined;
  out[3] = val;
  return out;
}

/** 4 or 16 address bytes; undefined for anything that is not an IP literal. */
export function ipBytes(host: string): Uint8Array | undefined {
  const v4 = parseV4(host);
  if (v4) return v4;
  const plain = host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
  const fam = isIP(plain);
  if (fam === 4) {
    const parts = plain.split('.').map(Number);
    return new Uint8Array(parts);
  }
  if (fam === 6) return ipv6Bytes(plain);
  return undefined;
}

function ipv6Bytes(s: string): Uint8Array | undefined {
  let text = s;
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  const out = new Uint8Array(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i]!, 16);
    if (!(g >= 0 && g <= 0xffff)) return undefined;
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  }
  return out;
}

/** Textual address of 4 or 16 bytes (or of `len` bytes at `off`). */
export function ipText(b: Uint8Array, off = 0, len = b.length - off): string {
  if (len === 4) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  const groups: string[] = [];
  for (let i = off; i < off + 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** 'host:port' key (IPv6 bracketed). */
export function addrKey(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export function encodePeer(a: Address): Uint8Array | undefined {
  const ip = ipBytes(a.host);
  if (!ip || !(a.port > 0 && a.port <= 0xffff)) return undefined;
  const out = new Uint8Array(ip.length + 2);
  out.set(ip, 0);
  out[ip.length] = a.port >> 8;
  out[ip.length + 1] = a.port & 0xff;
  return out;
}

/** A 6- or 18-byte compact peer (or `len` bytes at `off`); undefined for other lengths or port 0. */
export function decodePeer(b: Uint8Array, off = 0, len = b.length - off): Address | undefined {
  if (len !== PEER4_LEN && len !== PEER6_LEN) return undefined;
  const n = off + len - 2;
  const port = (b[n]! << 8) | b[n + 1]!;
  if (port === 0) return undefined;
  return { host: ipText(b, off, len - 2), port };
}

/** Concatenated compact node infos for one family (v4: 26 bytes each, v6: 38). Nodes of the other family are skipped. */
export function encodeNodes(nodes: readonly NodeInfo[], family: 4 | 6): Uint8Array {
  const size = family === 4 ? NODE4_LEN : NODE6_LEN;
  const parts: Uint8Array[] = [];
  for (const n of nodes) {
    const p = encodePeer(n);
    if (!p || p.length + ID_LEN !== size || n.id.length !== ID_LEN) continue;
    const one = new Uint8Array(size);
    one.set(n.id, 0);
    one.set(p, ID_LEN);
    parts.push(one);
  }
  const out = new Uint8Array(parts.length * size);
  parts.forEach((p, i) => out.set(p, i * size));
  return out;
}

/**
 * Node infos from a compact string. A trailing partial entry is ignored (some nodes pad or
 * truncate); entries with port 0 are dropped. Ids are copied (the input is a packet buffer).
 */
export function decodeNodes(b: Uint8Array, family: 4 | 6, max = 64): NodeInfo[] {
  const size = family === 4 ? NODE4_LEN : NODE6_LEN;
  const out: NodeInfo[] = [];
  for (let off = 0; off + size <= b.length && out.length < max; off += size) {
    const a = decodePeer(b, off + ID_LEN, size - ID_LEN);
    if (!a) continue;
    const id = new Uint8Array(ID_LEN);
    for (let i = 0; i < ID_LEN; i++) id[i] = b[off + i]!;
    out.push({ id, host: a.host, port: a.port });
  }
  return out;
}

/** 4 or 6 for an IP literal, 0 otherwise (IPv4-mapped IPv6 counts as 4). */
export function familyOf(host: string): 0 | 4 | 6 {
  const plain = host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
  const f = isIP(plain);
  return f === 4 ? 4 : f === 6 ? 6 : 0;
}

/** IPv4-mapped IPv6 as plain IPv4. */
export function plainHost(host: string): string {
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}
