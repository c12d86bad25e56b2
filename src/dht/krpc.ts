/**
 * KRPC codec (BEP 5, BEP 32 nodes6/want, BEP 42 `ip`): sans-IO, one UDP datagram in, one
 * typed message out. Nothing here throws on bad input: `decodeMessage` returns a DhtError.
 */
import { decode, encode, isBytes, isDict, isInt } from '../bencode/index.js';
import type { BDict, BValue } from '../bencode/index.js';
import { decodeNodes, decodePeer, encodeNodes, encodePeer, ID_LEN, PEER4_LEN, PEER6_LEN } from './compact.js';
import type { Address, NodeInfo } from './compact.js';
import { DhtError } from './errors.js';

/** Largest datagram we read (a full get_peers reply is ~1.5 KB; BEP 44 items are < 1 KB). */
export const MAX_PACKET = 4096;
/** Limits handed to the bencode decoder. */
const DECODE_LIMITS = { strict: false, allowTrailing: false, maxDepth: 6, maxItems: 512 } as const;
/** Peers / nodes kept from one response. */
const MAX_VALUES = 200;
const MAX_NODES = 64;

export type Method = 'ping' | 'find_node' | 'get_peers' | 'announce_peer';
/** BEP 32 `want`: which node families a querier wants back. */
export interface Want {
  readonly n4: boolean;
  readonly n6: boolean;
}

interface Common {
  /** Transaction id (opaque bytes, echoed back). */
  readonly t: Uint8Array;
  /** Client version string ('v'), when present. */
  readonly v?: Uint8Array | undefined;
}
interface QueryCommon extends Common {
  readonly kind: 'query';
  /** Querying node's id. */
  readonly id: Uint8Array;
  /** BEP 43 read-only node. */
  readonly ro?: boolean | undefined;
}
export type Query =
  | (QueryCommon & { readonly method: 'ping' })
  | (QueryCommon & { readonly method: 'find_node'; readonly target: Uint8Array; readonly want?: Want | undefined })
  | (QueryCommon & { readonly method: 'get_peers'; readonly infoHash: Uint8Array; readonly want?: Want | undefined })
  | (QueryCommon & {
      readonly method: 'announce_peer';
      readonly infoHash: Uint8Array;
      readonly port: number;
      readonly token: Uint8Array;
      /** Use the UDP source port instead of `port` (BEP 5 implied_port). */
      readonly impliedPort: boolean;
    })
  /** A method we do not know: answered with error 204. */
  | (QueryCommon & { readonly method: 'unknown'; readonly name: string });

export interface Response extends Common {
  readonly kind: 'response';
  readonly id: Uint8Array;
  readonly nodes?: readonly NodeInfo[] | undefined;
  readonly nodes6?: readonly NodeInfo[] | undefined;
  readonly values?: readonly Address[] | undefined;
  readonly token?: Uint8Array | undefined;
  /** BEP 42: the requester's address as the responder saw it. */
  readonly ip?: Address | undefined;
}

export interface ErrorMessage extends Common {
  readonly kind: 'error';
  readonly code: number;
  readonly message: string;
}

export type Message = Query | Response | ErrorMessage;

// ---- decode ----

/** One datagram -> a message, or a DhtError (`context.t` holds the transaction id when readable). */
export function decodeMessage(buf: Uint8Array): Message | DhtError {
  if (buf.length > MAX_PACKET) return new DhtError('oversized', `packet of ${buf.length} bytes`, { length: buf.length });
  let root: BValue;
  try {
    root = decode(buf, DECODE_LIMITS);
  } catch (e) {
    return new DhtError('bencode', `not bencoded: ${(e as Error).message}`, {}, { cause: e });
  }
  if (!isDict(root)) return bad('message is not a dictionary');
  const t = root.get('t');
  if (!isBytes(t) || t.length === 0 || t.length > 16) return bad('bad transaction id');
  const v = root.get('v');
  const common = { t: new Uint8Array(t), ...(isBytes(v) && v.length <= 32 && { v: new Uint8Array(v) }) };
  const y = root.get('y');
  if (!isBytes(y) || y.length !== 1) return bad('bad message type', common.t);
  switch (y[0]) {
    case 0x71: // 'q'
      return decodeQuery(root, common);
    case 0x72: // 'r'
      return decodeResponse(root, common);
    case 0x65: // 'e'
      return decodeError(root, common);
    default:
      return bad('unknown message type', common.t);
  }
}

/** `context.t` is the transaction id when readable; `context.query` marks a bad query (answered with 203). */
function bad(msg: string, t?: Uint8Array, query = false): DhtError {
  return new DhtError('malformed', msg, { ...(t && { t }), ...(query && { query }) });
}

function bytesOf(d: BDict, key: string, len?: number): Uint8Array | undefined {
  const v = d.get(key);
  if (!isBytes(v) || (len !== undefined && v.length !== len)) return undefined;
  return new Uint8Array(v);
}

function intOf(d: BDict, key: string): number | undefined {
  const v = d.get(key);
  return typeof v === 'number' ? v : undefined;
}

function wantOf(a: BDict): Want | undefined {
  const w = a.get('want');
  if (!Array.isArray(w)) return undefined;
  let n4 = false;
  let n6 = false;
  for (const x of w) {
    if (!isBytes(x) || x.length !== 2) continue;
    if (x[0] === 0x6e && x[1] === 0x34) n4 = true;
    if (x[0] === 0x6e && x[1] === 0x36) n6 = true;
  }
  return { n4, n6 };
}

const METHOD_NAMES = new Map<string, Method>([
  ['ping', 'ping'],
  ['find_node', 'find_node'],
  ['get_peers', 'get_peers'],
  ['announce_peer', 'announce_peer'],
]);

function decodeQuery(root: BDict, common: { t: Uint8Array; v?: Uint8Array }): Query | DhtError {
  const q = root.get('q');
  const a = root.get('a');
  if (!isBytes(q) || q.length > 64) return bad('bad query method', common.t, true);
  if (!isDict(a)) return bad('query without arguments', common.t, true);
  const id = bytesOf(a, 'id', ID_LEN);
  if (!id) return bad('query without a 20-byte id', common.t, true);
  const ro = intOf(a, 'ro') === 1;
  const base = { kind: 'query' as const, ...common, id, ...(ro && { ro }) };
  const name = Buffer.from(q.buffer, q.byteOffset, q.length).toString('latin1');
  const method = METHOD_NAMES.get(name);
  switch (method) {
    case 'ping':
      return { ...base, method };
    case 'find_node': {
      const target = bytesOf(a, 'target', ID_LEN);
      if (!target) return bad('find_node without a 20-byte target', common.t, true);
      const want = wantOf(a);
      return { ...base, method, target, ...(want && { want }) };
    }
    case 'get_peers': {
      const infoHash = bytesOf(a, 'info_hash', ID_LEN);
      if (!infoHash) return bad('get_peers without a 20-byte info_hash', common.t, true);
      const want = wantOf(a);
      return { ...base, method, infoHash, ...(want && { want }) };
    }
    case 'announce_peer': {
      const infoHash = bytesOf(a, 'info_hash', ID_LEN);
      const token = bytesOf(a, 'token');
      const impliedPort = intOf(a, 'implied_port') === 1;
      const port = intOf(a, 'port');
      if (!infoHash) return bad('announce_peer without a 20-byte info_hash', common.t, true);
      if (!token || token.length > 64) return bad('announce_peer without a token', common.t, true);
      if (!impliedPort && !(port !== undefined && port > 0 && port <= 0xffff)) return bad('announce_peer with a bad port', common.t, true);
      return { ...base, method, infoHash, token, impliedPort, port: port !== undefined && port > 0 && port <= 0xffff ? port : 0 };
    }
    default:
      return { ...base, method: 'unknown', name };
  }
}

function decodeResponse(root: BDict, common: { t: Uint8Array; v?: Uint8Array }): Response | DhtError {
  const r = root.get('r');
  if (!isDict(r)) return bad('response without a body', common.t);
  const id = bytesOf(r, 'id', ID_LEN);
  if (!id) return bad('response without a 20-byte id', common.t);
  const nodesRaw = r.get('nodes');
  const nodes6Raw = r.get('nodes6');
  const token = bytesOf(r, 'token');
  const valuesRaw = r.get('values');
  let values: Address[] | undefined;
  if (Array.isArray(valuesRaw)) {
    values = [];
    for (const x of valuesRaw) {
      if (values.length >= MAX_VALUES) break;
      if (!isBytes(x) || (x.length !== PEER4_LEN && x.length !== PEER6_LEN)) continue;
      const p = decodePeer(x);
      if (p) values.push(p);
    }
  }
  const ipRaw = root.get('ip');
  const ip = isBytes(ipRaw) ? decodePeer(ipRaw) : undefined;
  // Plain assignments, not spreads: this runs for every reply of every lookup.
  const out: { -readonly [K in keyof Response]: Response[K] } = { kind: 'response', t: common.t, id };
  if (common.v) out.v = common.v;
  if (isBytes(nodesRaw)) out.nodes = decodeNodes(nodesRaw, 4, MAX_NODES);
  if (isBytes(nodes6Raw)) out.nodes6 = decodeNodes(nodes6Raw, 6, MAX_NODES);
  if (values) out.values = values;
  if (token && token.length <= 64) out.token = token;
  if (ip) out.ip = ip;
  return out;
}

function decodeError(root: BDict, common: { t: Uint8Array; v?: Uint8Array }): ErrorMessage | DhtError {
  const e = root.get('e');
  // Some nodes send a bare string or a dict; accept [code, message] and [code].
  if (!Array.isArray(e) || e.length === 0 || !isInt(e[0])) return bad('error without [code, message]', common.t);
  const code = Number(e[0]);
  const m = e[1];
  const message = isBytes(m) ? Buffer.from(m.buffer, m.byteOffset, Math.min(m.length, 200)).toString('utf8') : '';
  return { kind: 'error', ...common, code, message };
}

// ---- encode ----

export interface EncodeExtras {
  /** Our client version (4 bytes by convention: 2-letter client + 2-byte version). */
  readonly v?: Uint8Array | undefined;
}

/** A query datagram. `want` is written for find_node/get_peers when given. */
export function encodeQuery(q: Query, extras: EncodeExtras = {}): Buffer {
  const a = new Map<string, BValue>([['id', q.id]]);
  if (q.ro) a.set('ro', 1);
  let name: string = q.method;
  switch (q.method) {
    case 'ping':
      break;
    case 'find_node':
      a.set('target', q.target);
      if (q.want) a.set('want', wantList(q.want));
      break;
    case 'get_peers':
      a.set('info_hash', q.infoHash);
      if (q.want) a.set('want', wantList(q.want));
      break;
    case 'announce_peer':
      if (q.impliedPort) a.set('implied_port', 1);
      a.set('info_hash', q.infoHash);
      a.set('port', q.port);
      a.set('token', q.token);
      break;
    case 'unknown':
      name = q.name;
      break;
  }
  const v = extras.v ?? q.v;
  return encode(new Map<string, BValue | string | undefined>([['a', a], ['q', name], ['t', q.t], ['v', v], ['y', 'q']]));
}

function wantList(w: Want): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (w.n4) out.push(Buffer.from('n4'));
  if (w.n6) out.push(Buffer.from('n6'));
  return out;
}

/** A response datagram. */
export function encodeResponse(r: Response, extras: EncodeExtras = {}): Buffer {
  const body = new Map<string, BValue>([['id', r.id]]);
  if (r.nodes) body.set('nodes', encodeNodes(r.nodes, 4));
  if (r.nodes6) body.set('nodes6', encodeNodes(r.nodes6, 6));
  if (r.token) body.set('token', r.token);
  if (r.values) {
    const vals: Uint8Array[] = [];
    for (const p of r.values) {
      const c = encodePeer(p);
      if (c) vals.push(c);
    }
    body.set('values', vals);
  }
  const ip = r.ip ? encodePeer(r.ip) : undefined;
  const v = extras.v ?? r.v;
  return encode(new Map<string, BValue | string | undefined>([['ip', ip], ['r', body], ['t', r.t], ['v', v], ['y', 'r']]));
}

/** An error datagram. */
export function encodeError(e: ErrorMessage, extras: EncodeExtras = {}): Buffer {
  const v = extras.v ?? e.v;
  return encode(new Map<string, BValue | string | undefined>([['e', [e.code, Buffer.from(e.message, 'utf8')]], ['t', e.t], ['v', v], ['y', 'e']]));
}
