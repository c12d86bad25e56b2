import { TrackerProtocolError } from './errors.js';

/** Limits on a query string, checked before anything is allocated for it. */
export interface QueryLimits {
  /** Maximum characters of the query (after '?'). Default 4096. */
  readonly maxLength?: number;
  /** Maximum number of key=value pairs. Default 128 (a scrape of 74 hashes plus a few). */
  readonly maxParams?: number;
}

/**
 * A parsed query: each key maps to its values in order; values are "binary strings"
 * (one char per byte, latin1) so 20-byte info-hashes survive exactly.
 */
export type Query = Map<string, string[]>;

const BAD_CHAR = /[^\x21-\x7e]/;

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes `s[start, end)` to a binary string. '+' stays '+' (RFC 3986; BitTorrent
 * clients escape every byte outside the unreserved set). Throws on a bad escape.
 */
export function percentDecode(s: string, start = 0, end = s.length): string {
  let i = s.indexOf('%', start);
  if (i < 0 || i >= end) {
    const plain = s.slice(start, end);
    if (BAD_CHAR.test(plain)) throw new TrackerProtocolError('malformed_query', 'unescaped control or non-ASCII character in query');
    return plain;
  }
  let out = s.slice(start, i);
  let run = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (run < i) out += s.slice(run, i);
      if (i + 3 > end) throw new TrackerProtocolError('malformed_query', 'truncated percent escape', { offset: i });
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h < 0 || l < 0) throw new TrackerProtocolError('malformed_query', 'bad percent escape', { offset: i });
      out += String.fromCharCode((h << 4) | l);
      i += 3;
      run = i;
    } else if (c > 0x7e || c < 0x21) {
      throw new TrackerProtocolError('malformed_query', 'unescaped control or non-ASCII character in query', { offset: i });
    } else i++;
  }
  if (run < end) out += s.slice(run, end);
  return out;
}

/** Parses `a=1&b=%41…` (no leading '?'). Empty pairs ('&&') are skipped; a key without '=' has value ''. */
export function parseQuery(q: string, limits: QueryLimits = {}): Query {
  const maxLength = limits.maxLength ?? 4096;
  const maxParams = limits.maxParams ?? 128;
  if (q.length > maxLength) throw new TrackerProtocolError('too_long', `query longer than ${maxLength} characters`);
  const out: Query = new Map();
  let n = 0;
  let start = 0;
  while (start <= q.length) {
    let amp = q.indexOf('&', start);
    if (amp < 0) amp = q.length;
    if (amp > start) {
      if (++n > maxParams) throw new TrackerProtocolError('too_many_params', `more than ${maxParams} query parameters`);
      let eq = q.indexOf('=', start);
      if (eq < 0 || eq > amp) eq = amp;
      const key = percentDecode(q, start, eq);
      const value = eq < amp ? percentDecode(q, eq + 1, amp) : '';
      const list = out.get(key);
      if (list) list.push(value);
      else out.set(key, [value]);
    }
    start = amp + 1;
  }
  return out;
}

const UNRESERVED = new Uint8Array(256);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[ch.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';

/** Percent-encodes bytes (or a UTF-8 string) for a query value: everything but RFC 3986 unreserved. */
export function percentEncode(v: Uint8Array | string): string {
  const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    out += UNRESERVED[c] ? String.fromCharCode(c) : `%${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return out;
}

/** Builds `k=v&k=v` from pairs (values are bytes, strings or numbers). */
export function buildQuery(pairs: ReadonlyArray<readonly [string, Uint8Array | string | number | bigint]>): string {
  return pairs
    .map(([k, v]) => `${percentEncode(k)}=${typeof v === 'number' || typeof v === 'bigint' ? String(v) : percentEncode(v)}`)
    .join('&');
}
