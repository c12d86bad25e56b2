/**
 * Magnet URIs (BEP 9, BEP 53 `so`). Parameter names are case-insensitive; values are
 * percent-decoded (a malformed escape in a parameter shoal reads is an error); unusable
 * trackers, web seeds and peer addresses are dropped, as libtorrent does.
 */
import { isIPv6 } from 'node:net';
import { InfoHash } from '../core/infohash.js';
import { MagnetError, V2_UNSUPPORTED_MESSAGE } from './errors.js';
import type { Metainfo } from './types.js';

export interface Magnet {
  infoHash: InfoHash;
  name?: string;
  trackers: string[];
  webSeeds: string[];
  /** x.pe peer addresses: 'host:port', 'a.b.c.d:port' or '[v6]:port'. */
  peers: string[];
  /** BEP 53 `so`: selected file indices, ranges expanded, ascending. */
  selectOnly?: number[];
  /** btmh v2 info-hash (64 hex, SHA2-256 multihash 1220 stripped) when present (hybrid links). */
  v2Hash?: string;
}

/** Largest file index accepted in `so` (larger ones are ignored, like libtorrent). */
export const MAX_SELECT_INDEX = (1 << 20) - 1;

const TRACKER = /^(https?|udp):\/\/[^\x00-\x20\x7f]+$/i;
const WEB_SEED = /^https?:\/\/[^\x00-\x20\x7f]+$/i;
const HOST_PORT = /^([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const V6_PORT = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/;

function percentDecode(s: string, plusIsSpace: boolean, key: string): string {
  if (!s.includes('%') && !(plusIsSpace && s.includes('+'))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new MagnetError(`invalid escaped string in magnet parameter '${key}'`, { reason: 'invalid_escaped_string', key });
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+' && plusIsSpace) bytes.push(0x20);
    else {
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function validPeer(p: string): boolean {
  let m = V6_PORT.exec(p);
  if (m) return isIPv6(m[1]!) && validPort(m[2]!);
  m = HOST_PORT.exec(p);
  return m !== null && validPort(m[2]!);
}

function validPort(s: string): boolean {
  const n = Number(s);
  return n >= 1 && n <= 65535;
}

function addSelect(out: Set<number>, value: string): void {
  for (const item of value.split(',')) {
    let m = /^(\d{1,10})$/.exec(item);
    if (m) {
      const n = Number(m[1]);
      if (n <= MAX_SELECT_INDEX) out.add(n);
      continue;
    }
    m = /^(\d{1,10})-(\d{1,10})$/.exec(item);
    if (!m) continue;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > b || b > MAX_SELECT_INDEX) continue;
    for (let i = a; i <= b; i++) out.add(i);
  }
}

function invalidHash(v: string): MagnetError {
  return new MagnetError(`invalid info-hash in magnet link: ${JSON.stringify(v.slice(0, 80))}`, { reason: 'invalid_info_hash' });
}

/** Parses a magnet URI. Throws MagnetError ('EMAGNET'; 'EV2_UNSUPPORTED' for btmh-only links). */
export function parseMagnet(uri: string): Magnet {
  if (typeof uri !== 'string' || !/^magnet:\?/i.test(uri)) {
    throw new MagnetError('not a magnet link (expected magnet:?xt=urn:btih:…)', { reason: 'not_a_magnet' });
  }
  let query = uri.slice('magnet:?'.length);
  const hash = query.indexOf('#');
  if (hash >= 0) query = query.slice(0, hash);
  let infoHash: InfoHash | undefined;
  let v2Hash: string | undefined;
  let name: string | undefined;
  const trackers = new Set<string>();
  const webSeeds = new Set<string>();
  const peers = new Set<string>();
  const select = new Set<number>();
  let sawSelect = false;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).toLowerCase();
    const raw = part.slice(eq + 1);
    if (key === 'xt') {
      const v = percentDecode(raw, false, key);
      const urn = v.slice(0, 9).toLowerCase();
      const h = v.slice(9);
      if (urn === 'urn:btih:') {
        if (!/^([0-9A-Fa-f]{40}|[A-Za-z2-7]{32})$/.test(h)) throw invalidHash(v);
        infoHash ??= InfoHash.parse(h);
      } else if (urn === 'urn:btmh:') {
        if (!/^1220[0-9A-Fa-f]{64}$/.test(h)) throw invalidHash(v);
        v2Hash ??= h.slice(4).toLowerCase();
      }
    } else if (key === 'dn') {
      name ??= percentDecode(raw, true, key);
    } else if (key === 'tr' || /^tr\.\d+$/.test(key)) {
      const v = percentDecode(raw, false, key);
      if (TRACKER.test(v)) trackers.add(v);
    } else if (key === 'ws') {
      const v = percentDecode(raw, false, key);
      if (WEB_SEED.test(v)) webSeeds.add(v);
    } else if (key === 'x.pe') {
      const v = percentDecode(raw, false, key);
      if (validPeer(v)) peers.add(v);
    } else if (key === 'so') {
      sawSelect = true;
      addSelect(select, percentDecode(raw, false, key));
    }
  }
  if (infoHash === undefined) {
    if (v2Hash !== undefined) throw new MagnetError(V2_UNSUPPORTED_MESSAGE, { reason: 'v2_unsupported', v2Hash }, 'EV2_UNSUPPORTED');
    throw new MagnetError('magnet link has no BitTorrent info-hash (xt=urn:btih:…)', { reason: 'missing_info_hash' });
  }
  const m: Magnet = { infoHash, trackers: [...trackers], webSeeds: [...webSeeds], peers: [...peers] };
  if (name !== undefined) m.name = name;
  if (sawSelect && select.size > 0) m.selectOnly = [...select].sort((a, b) => a - b);
  if (v2Hash !== undefined) m.v2Hash = v2Hash;
  return m;
}

/** 'a,b-c,…' with runs of two or more consecutive indices written as ranges. */
function formatSelect(indices: readonly number[]): string {
  const s = [...new Set(indices)].filter((n) => Number.isInteger(n) && n >= 0).sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(j > i ? `${s[i]}-${s[j]}` : `${s[i]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** Builds a magnet URI: xt (btih, then btmh when v2Hash), dn, tr…, ws…, x.pe…, so. */
export function formatMagnet(m: Partial<Magnet> & { infoHash: InfoHash }): string {
  const parts = [`xt=urn:btih:${m.infoHash.hex}`];
  if (m.v2Hash !== undefined) parts.push(`xt=urn:btmh:1220${m.v2Hash.toLowerCase()}`);
  if (m.name !== undefined) parts.push(`dn=${encodeURIComponent(m.name)}`);
  for (const t of m.trackers ?? []) parts.push(`tr=${encodeURIComponent(t)}`);
  for (const w of m.webSeeds ?? []) parts.push(`ws=${encodeURIComponent(w)}`);
  for (const p of m.peers ?? []) parts.push(`x.pe=${p}`);
  if (m.selectOnly !== undefined && m.selectOnly.length > 0) parts.push(`so=${formatSelect(m.selectOnly)}`);
  return `magnet:?${parts.join('&')}`;
}

/** The magnet link for a parsed torrent: xt (and btmh for hybrids), dn, every tracker, web seeds. */
export function magnetFromMetainfo(meta: Metainfo): string {
  const trackers = [...new Set(meta.announce.flat())];
  return formatMagnet({
    infoHash: meta.infoHash,
    name: meta.name,
    trackers,
    webSeeds: [...meta.webSeeds],
    ...(meta.infoHashV2 !== undefined && { v2Hash: meta.infoHashV2.toString('hex') }),
  });
}
