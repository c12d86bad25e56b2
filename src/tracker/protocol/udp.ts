import { UDP_EVENTS, type AnnounceEvent, type AnnounceRequest } from './announce.js';
import { TrackerProtocolError } from './errors.js';
import type { SwarmCounts } from './http-response.js';

/** BEP 15 actions. */
export const UdpAction = { connect: 0, announce: 1, scrape: 2, error: 3 } as const;
/** The magic connect protocol id 0x41727101980, as two 32-bit halves. */
export const PROTOCOL_ID_HI = 0x417;
export const PROTOCOL_ID_LO = 0x27101980;
export const CONNECT_LEN = 16;
export const ANNOUNCE_REQ_LEN = 98;
export const ANNOUNCE_RESP_HEADER = 20;
export const SCRAPE_REQ_HEADER = 16;
export const SCRAPE_RESP_HEADER = 8;
/** Hashes per UDP scrape: BEP 15 says about 74 fit in one packet. */
export const MAX_UDP_SCRAPE = 74;

export type UdpRequest =
  | { readonly type: 'connect'; readonly transactionId: number }
  | (AnnounceRequest & {
      readonly type: 'announce';
      readonly connectionId: Uint8Array;
      readonly transactionId: number;
      /** The `IP address` field (0 = use the sender's). */
      readonly ipv4: number;
      readonly keyNum: number;
    })
  | { readonly type: 'scrape'; readonly connectionId: Uint8Array; readonly transactionId: number; readonly infoHashes: Uint8Array[] };

export type UdpResponse =
  | { readonly type: 'connect'; readonly transactionId: number; readonly connectionId: Uint8Array }
  | { readonly type: 'announce'; readonly transactionId: number; readonly interval: number; readonly leechers: number; readonly seeders: number; readonly peers: Uint8Array }
  | { readonly type: 'scrape'; readonly transactionId: number; readonly files: SwarmCounts[] }
  | { readonly type: 'error'; readonly transactionId: number; readonly message: string };

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}
function i32(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}
function u64n(b: Uint8Array, o: number): number {
  return u32(b, o) * 4294967296 + u32(b, o + 4);
}
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}
function put64(b: Uint8Array, o: number, v: number): void {
  put32(b, o, Math.floor(v / 4294967296));
  put32(b, o + 4, v >>> 0);
}

/** Action of a request packet (bytes 8..12), or -1 when it is shorter than the 16-byte header. */
export function requestAction(buf: Uint8Array): number {
  return buf.length < 16 ? -1 : i32(buf, 8);
}

/** Transaction id of a request or response packet (bytes 12..16 or 4..8). */
export function requestTransactionId(buf: Uint8Array): number {
  return u32(buf, 12);
}

/**
 * Decodes one client packet (server side). Every length is checked before reading;
 * extra bytes after an announce (BEP 41 options) are ignored. Throws TrackerProtocolError.
 */
export function decodeUdpRequest(buf: Uint8Array): UdpRequest {
  if (buf.length < 16) throw new TrackerProtocolError('bad_packet', `UDP packet of ${buf.length} bytes is shorter than 16`);
  const action = i32(buf, 8);
  const transactionId = u32(buf, 12);
  if (action === UdpAction.connect) {
    if (u32(buf, 0) !== PROTOCOL_ID_HI || u32(buf, 4) !== PROTOCOL_ID_LO) throw new TrackerProtocolError('bad_protocol_id', 'connect without the protocol id');
    return { type: 'connect', transactionId };
  }
  const connectionId = buf.subarray(0, 8);
  if (action === UdpAction.announce) {
    if (buf.length < ANNOUNCE_REQ_LEN) throw new TrackerProtocolError('bad_packet', `announce of ${buf.length} bytes, need ${ANNOUNCE_REQ_LEN}`);
    const ev = u32(buf, 80);
    const event: AnnounceEvent | undefined = UDP_EVENTS[ev];
    if (event === undefined) throw new TrackerProtocolError('bad_param', `unknown event ${ev}`);
    const port = (buf[96]! << 8) | buf[97]!;
    if (port === 0) throw new TrackerProtocolError('bad_port', 'port 0');
    const nw = i32(buf, 92);
    return {
      type: 'announce',
      connectionId,
      transactionId,
      infoHash: buf.subarray(16, 36),
      peerId: buf.subarray(36, 56),
      downloaded: u64n(buf, 56),
      left: u64n(buf, 64),
      uploaded: u64n(buf, 72),
      event,
      ipv4: u32(buf, 84),
      keyNum: u32(buf, 88),
      numWant: nw < 0 ? undefined : nw,
      port,
      compact: true,
      noPeerId: true,
    };
  }
  if (action === UdpAction.scrape) {
    const body = buf.length - SCRAPE_REQ_HEADER;
    if (body < 20 || body % 20 !== 0) throw new TrackerProtocolError('bad_packet', `scrape body of ${body} bytes is not a positive multiple of 20`);
    if (body / 20 > MAX_UDP_SCRAPE) throw new TrackerProtocolError('too_many_params', `more than ${MAX_UDP_SCRAPE} hashes in one scrape`);
    const infoHashes: Uint8Array[] = [];
    for (let o = SCRAPE_REQ_HEADER; o < buf.length; o += 20) infoHashes.push(buf.subarray(o, o + 20));
    return { type: 'scrape', connectionId, transactionId, infoHashes };
  }
  throw new TrackerProtocolError('bad_action', `unknown action ${action}`);
}

// ---- client side requests ----

export function encodeConnectRequest(transactionId: number): Buffer {
  const b = Buffer.alloc(CONNECT_LEN);
  put32(b, 0, PROTOCOL_ID_HI);
  put32(b, 4, PROTOCOL_ID_LO);
  put32(b, 8, UdpAction.connect);
  put32(b, 12, transactionId);
  return b;
}

export function encodeUdpAnnounceRequest(
  connectionId: Uint8Array,
  transactionId: number,
  req: AnnounceRequest,
  extra: { ipv4?: number; key?: number } = {},
): Buffer {
  if (connectionId.length !== 8) throw new TrackerProtocolError('bad_param', 'connection id must be 8 bytes');
  if (req.infoHash.length !== 20 || req.peerId.length !== 20) throw new TrackerProtocolError('bad_param', 'info-hash and peer id must be 20 bytes');
  const b = Buffer.alloc(ANNOUNCE_REQ_LEN);
  b.set(connectionId, 0);
  put32(b, 8, UdpAction.announce);
  put32(b, 12, transactionId);
  b.set(req.infoHash, 16);
  b.set(req.peerId, 36);
  put64(b, 56, req.downloaded);
  put64(b, 64, req.left);
  put64(b, 72, req.uploaded);
  put32(b, 80, UDP_EVENTS.indexOf(req.event));
  put32(b, 84, extra.ipv4 ?? 0);
  put32(b, 88, extra.key ?? 0);
  put32(b, 92, req.numWant ?? -1);
  b[96] = req.port >> 8;
  b[97] = req.port & 0xff;
  return b;
}

export function encodeUdpScrapeRequest(connectionId: Uint8Array, transactionId: number, infoHashes: readonly Uint8Array[]): Buffer {
  if (infoHashes.length === 0 || infoHashes.length > MAX_UDP_SCRAPE) throw new TrackerProtocolError('bad_param', `scrape needs 1..${MAX_UDP_SCRAPE} hashes`);
  const b = Buffer.alloc(SCRAPE_REQ_HEADER + 20 * infoHashes.length);
  b.set(connectionId, 0);
  put32(b, 8, UdpAction.scrape);
  put32(b, 12, transactionId);
  infoHashes.forEach((h, i) => {
    if (h.length !== 20) throw new TrackerProtocolError('bad_info_hash', 'info-hash must be 20 bytes');
    b.set(h, SCRAPE_REQ_HEADER + 20 * i);
  });
  return b;
}

// ---- server side responses ----

export function encodeConnectResponse(transactionId: number, connectionId: Uint8Array, out = Buffer.allocUnsafe(CONNECT_LEN)): Buffer {
  put32(out, 0, UdpAction.connect);
  put32(out, 4, transactionId);
  out.set(connectionId.subarray(0, 8), 8);
  return out;
}

/** Writes the 20-byte announce response header into `out` (peers follow at offset 20). */
export function writeAnnounceResponseHeader(out: Uint8Array, transactionId: number, interval: number, leechers: number, seeders: number): void {
  put32(out, 0, UdpAction.announce);
  put32(out, 4, transactionId);
  put32(out, 8, interval);
  put32(out, 12, leechers);
  put32(out, 16, seeders);
}

export function encodeUdpAnnounceResponse(transactionId: number, interval: number, leechers: number, seeders: number, peers: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(ANNOUNCE_RESP_HEADER + peers.length);
  writeAnnounceResponseHeader(b, transactionId, interval, leechers, seeders);
  b.set(peers, ANNOUNCE_RESP_HEADER);
  return b;
}

/** Scrape response: seeders, completed, leechers per hash, in request order. */
export function encodeUdpScrapeResponse(transactionId: number, files: readonly SwarmCounts[]): Buffer {
  const b = Buffer.allocUnsafe(SCRAPE_RESP_HEADER + 12 * files.length);
  put32(b, 0, UdpAction.scrape);
  put32(b, 4, transactionId);
  files.forEach((f, i) => {
    const o = SCRAPE_RESP_HEADER + 12 * i;
    put32(b, o, f.complete);
    put32(b, o + 4, f.downloaded);
    put32(b, o + 8, f.incomplete);
  });
  return b;
}

/** An error packet; the message is cut to `maxMessage` bytes (amplification cap). */
export function encodeUdpError(transactionId: number, message: string, maxMessage = 64): Buffer {
  const msg = Buffer.from(message, 'utf8').subarray(0, maxMessage);
  const b = Buffer.allocUnsafe(8 + msg.length);
  put32(b, 0, UdpAction.error);
  put32(b, 4, transactionId);
  b.set(msg, 8);
  return b;
}

// ---- client side responses ----

/** Decodes a tracker packet (client side); `family` picks 6- or 18-byte peers for announce. */
export function decodeUdpResponse(buf: Uint8Array, family: 4 | 6 = 4): UdpResponse {
  if (buf.length < 8) throw new TrackerProtocolError('bad_response', `UDP response of ${buf.length} bytes`);
  const action = i32(buf, 0);
  const transactionId = u32(buf, 4);
  switch (action) {
    case UdpAction.connect:
      if (buf.length < 16) throw new TrackerProtocolError('bad_response', 'short connect response');
      return { type: 'connect', transactionId, connectionId: Uint8Array.prototype.slice.call(buf, 8, 16) };
    case UdpAction.announce: {
      if (buf.length < ANNOUNCE_RESP_HEADER) throw new TrackerProtocolError('bad_response', 'short announce response');
      const len = family === 4 ? 6 : 18;
      const n = Math.floor((buf.length - ANNOUNCE_RESP_HEADER) / len);
      return { type: 'announce', transactionId, interval: u32(buf, 8), leechers: u32(buf, 12), seeders: u32(buf, 16), peers: buf.subarray(20, 20 + n * len) };
    }
    case UdpAction.scrape: {
      const files: SwarmCounts[] = [];
      for (let o = SCRAPE_RESP_HEADER; o + 12 <= buf.length; o += 12) files.push({ complete: u32(buf, o), downloaded: u32(buf, o + 4), incomplete: u32(buf, o + 8) });
      return { type: 'scrape', transactionId, files };
    }
    case UdpAction.error:
      return { type: 'error', transactionId, message: Buffer.from(buf.subarray(8)).toString('utf8') };
    default:
      throw new TrackerProtocolError('bad_response', `unknown action ${action}`);
  }
}
