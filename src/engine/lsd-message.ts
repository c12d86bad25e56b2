import { ShoalError } from '../core/errors.js';

/** BEP 14 multicast groups and port. */
export const LSD_IPV4_GROUP = '239.192.152.143';
export const LSD_IPV6_GROUP = 'ff15::efc0:988f';
export const LSD_PORT = 6771;
/** BEP 14: a packet with several Infohash headers should stay under 1400 bytes. */
export const LSD_MAX_PACKET = 1400;

const REQUEST_LINE = 'BT-SEARCH * HTTP/1.1';
/** Headers accepted in one announce (several Infohash lines plus Host, Port, cookie and a few unknown ones). */
const MAX_HEADERS = 40;
const MAX_LINE = 200;
const MAX_COOKIE = 64;

/** A malformed local service discovery announce (code `ELSD`); dropped by the receiver. */
export class LsdError extends ShoalError {
  constructor(message: string, context: { [k: string]: unknown } = {}) {
    super('ELSD', message, context);
  }
}

/** One BT-SEARCH announce. */
export interface LsdAnnounce {
  /** The Host header: the group the announce went to ('239.192.152.143:6771'). */
  readonly host: string;
  /** The announcer's TCP listen port. */
  readonly port: number;
  /** Lowercase hex info-hashes, at least one. */
  readonly infoHashes: readonly string[];
  /** Opaque value an announcer uses to recognise its own packets. */
  readonly cookie?: string;
}

/** The Host header value for a group and port ('[v6]:port' for IPv6). */
export function lsdHost(group: string, port: number): string {
  return group.includes(':') ? `[${group}]:${port}` : `${group}:${port}`;
}

/** Encodes one announce. Throws LsdError when it would pass 1400 bytes (split with lsdPackets). */
export function encodeLsd(a: LsdAnnounce): Buffer {
  if (!(Number.isInteger(a.port) && a.port > 0 && a.port <= 0xffff)) throw new LsdError(`port out of range: ${a.port}`);
  if (a.infoHashes.length === 0) throw new LsdError('no info-hash to announce');
  let s = `${REQUEST_LINE}\r\nHost: ${a.host}\r\nPort: ${a.port}\r\n`;
  for (const h of a.infoHashes) {
    if (!/^[0-9a-fA-F]{40}$/.test(h)) throw new LsdError(`not a hex info-hash: ${h}`);
    s += `Infohash: ${h.toLowerCase()}\r\n`;
  }
  if (a.cookie !== undefined) {
    if (!/^[\x21-\x7e]{1,64}$/.test(a.cookie)) throw new LsdError('cookie must be 1-64 printable characters');
    s += `cookie: ${a.cookie}\r\n`;
  }
  s += '\r\n\r\n';
  const b = Buffer.from(s, 'latin1');
  if (b.length > LSD_MAX_PACKET) throw new LsdError(`announce of ${b.length} bytes is over ${LSD_MAX_PACKET}`);
  return b;
}

/** Announces for many info-hashes, in as few packets of at most 1400 bytes as they fit in. */
export function lsdPackets(host: string, port: number, infoHashes: readonly string[], cookie?: string): { bytes: Buffer; infoHashes: string[] }[] {
  const fixed = REQUEST_LINE.length + 2 + `Host: ${host}\r\nPort: ${port}\r\n`.length + (cookie !== undefined ? `cookie: ${cookie}\r\n`.length : 0) + 4;
  const per = Math.max(1, Math.floor((LSD_MAX_PACKET - fixed) / 52)); // 'Infohash: ' + 40 + CRLF
  const out: { bytes: Buffer; infoHashes: string[] }[] = [];
  for (let i = 0; i < infoHashes.length; i += per) {
    const chunk = infoHashes.slice(i, i + per);
    out.push({ bytes: encodeLsd({ host, port, infoHashes: chunk, ...(cookie !== undefined && { cookie }) }), infoHashes: chunk });
  }
  return out;
}

/**
 * Parses one datagram strictly: the BT-SEARCH request line, CRLF-terminated `Name: value`
 * header lines (names case-insensitive), exactly one Host and one decimal Port in 1..65535,
 * one or more 40-hex Infohash lines, at most one cookie, an empty line to end the headers
 * and nothing but CRLFs after it. At most 1400 bytes and 40 header lines; unknown headers
 * are skipped. Throws LsdError on anything else.
 */
export function parseLsd(packet: Uint8Array): LsdAnnounce {
  if (packet.length > LSD_MAX_PACKET) throw new LsdError(`packet of ${packet.length} bytes is over ${LSD_MAX_PACKET}`);
  const text = Buffer.from(packet.buffer, packet.byteOffset, packet.length).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new LsdError('no end of headers');
  if (!/^(\r\n)*$/.test(text.slice(end + 4))) throw new LsdError('data after the headers');
  const lines = text.slice(0, end).split('\r\n');
  if (lines[0] !== REQUEST_LINE) throw new LsdError('not a BT-SEARCH request');
  if (lines.length - 1 > MAX_HEADERS) throw new LsdError(`more than ${MAX_HEADERS} headers`);
  let host: string | undefined;
  let port: number | undefined;
  let cookie: string | undefined;
  const infoHashes: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > MAX_LINE) throw new LsdError('header line too long');
    const colon = line.indexOf(':');
    if (colon <= 0 || line.includes('\n') || line.includes('\r')) throw new LsdError(`malformed header line ${i}`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!/^[A-Za-z0-9-]+$/.test(name)) throw new LsdError(`malformed header name on line ${i}`);
    switch (name) {
      case 'host':
        if (host !== undefined) throw new LsdError('two Host headers');
        if (value.length === 0) throw new LsdError('empty Host');
        host = value;
        break;
      case 'port': {
        if (port !== undefined) throw new LsdError('two Port headers');
        if (!/^\d{1,5}$/.test(value)) throw new LsdError(`bad Port ${JSON.stringify(value)}`);
        const n = Number(value);
        if (n < 1 || n > 0xffff) throw new LsdError(`Port out of range: ${n}`);
        port = n;
        break;
      }
      case 'infohash':
        if (!/^[0-9a-fA-F]{40}$/.test(value)) throw new LsdError(`bad Infohash ${JSON.stringify(value.slice(0, 50))}`);
        infoHashes.push(value.toLowerCase());
        break;
      case 'cookie':
        if (cookie !== undefined) throw new LsdError('two cookie headers');
        if (value.length === 0 || value.length > MAX_COOKIE) throw new LsdError('bad cookie');
        cookie = value;
        break;
      default:
        break;
    }
  }
  if (host === undefined) throw new LsdError('no Host header');
  if (port === undefined) throw new LsdError('no Port header');
  if (infoHashes.length === 0) throw new LsdError('no Infohash header');
  return { host, port, infoHashes, ...(cookie !== undefined && { cookie }) };
}
