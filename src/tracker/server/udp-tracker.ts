import type { RemoteInfo, Socket } from 'node:dgram';
import { isShoalError } from '../../core/errors.js';
import { encodeCompactPeer } from '../protocol/compact.js';
import type { SwarmCounts } from '../protocol/http-response.js';
import {
  ANNOUNCE_RESP_HEADER,
  CONNECT_LEN,
  PROTOCOL_ID_HI,
  PROTOCOL_ID_LO,
  UdpAction,
  decodeUdpRequest,
  encodeUdpError,
  encodeUdpScrapeResponse,
  requestAction,
  requestTransactionId,
  writeAnnounceResponseHeader,
  type UdpRequest,
} from '../protocol/udp.js';
import type { ConnectionIds } from './connection-id.js';
import type { TrackerContext } from './context.js';
import type { StoreAnnounceResult } from './store/interface.js';

const ZERO: SwarmCounts = { complete: 0, incomplete: 0, downloaded: 0 };

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

/**
 * BEP 15 over one datagram socket. A packet is answered only when it is a well-formed
 * connect, or carries a connection id that passes the MAC for its sender; everything
 * else is dropped in silence. Responses are capped at `udpAmplification` x the request.
 */
export function attachUdpTracker(ctx: TrackerContext, ids: ConnectionIds, socket: Socket): void {
  const amp = ctx.cfg.udpAmplification;
  const scratch4 = new Uint8Array(6);

  const send = (buf: Uint8Array, rinfo: RemoteInfo): void => {
    socket.send(buf, rinfo.port, rinfo.address);
  };

  const error = (tid: number, msg: string, reqLen: number, rinfo: RemoteInfo): void => {
    ctx.stats.failures++;
    const max = Math.max(0, Math.min(64, reqLen * amp - 8));
    send(encodeUdpError(tid, msg, max), rinfo);
  };

  const announce = (req: Extract<UdpRequest, { type: 'announce' }>, addr: Uint8Array, reqLen: number, rinfo: RemoteInfo): void => {
    ctx.stats.udpAnnounces++;
    const tid = req.transactionId;
    if (!ctx.access.allows(req.infoHash)) return error(tid, 'torrent not allowed on this tracker', reqLen, rinfo);
    const alen = addr.length;
    if (ctx.cfg.trustIpParam && req.ipv4 !== 0 && alen === 6) {
      addr[0] = req.ipv4 >>> 24;
      addr[1] = (req.ipv4 >>> 16) & 0xff;
      addr[2] = (req.ipv4 >>> 8) & 0xff;
      addr[3] = req.ipv4 & 0xff;
    }
    addr[alen - 2] = req.port >> 8;
    addr[alen - 1] = req.port & 0xff;
    const byAmp = Math.floor((reqLen * amp - ANNOUNCE_RESP_HEADER) / alen);
    const want = Math.max(0, Math.min(req.numWant ?? ctx.cfg.defaultNumWant, ctx.cfg.maxNumWant, byAmp));
    const reply = (r: StoreAnnounceResult): void => {
      const peers = alen === 6 ? r.peers4 : r.peers6;
      const out = Buffer.allocUnsafe(ANNOUNCE_RESP_HEADER + peers.length);
      writeAnnounceResponseHeader(out, tid, ctx.cfg.interval, r.incomplete, r.complete);
      out.set(peers, ANNOUNCE_RESP_HEADER);
      send(out, rinfo);
    };
    const fail = (e: unknown): void => error(tid, isShoalError(e) && e.code === 'ETRACKER_FULL' ? e.message : 'internal tracker error', reqLen, rinfo);
    try {
      const r = ctx.store.announce(
        {
          infoHash: req.infoHash,
          addr,
          peerId: req.peerId,
          seeder: req.left === 0,
          event: req.event,
          want4: alen === 6 ? want : 0,
          want6: alen === 18 ? want : 0,
          wantPeerIds: false,
        },
        ctx.now(),
      );
      if (r instanceof Promise) r.then(reply, fail);
      else reply(r);
    } catch (e) {
      fail(e);
    }
  };

  const scrape = (req: Extract<UdpRequest, { type: 'scrape' }>, reqLen: number, rinfo: RemoteInfo): void => {
    ctx.stats.udpScrapes++;
    const tid = req.transactionId;
    const reply = (counts: SwarmCounts[]): void => {
      send(encodeUdpScrapeResponse(tid, counts.map((c, i) => (ctx.access.allows(req.infoHashes[i]!) ? c : ZERO))), rinfo);
    };
    try {
      const r = ctx.store.scrape(req.infoHashes, ctx.now());
      if (r instanceof Promise) r.then(reply, () => error(tid, 'internal tracker error', reqLen, rinfo));
      else reply(r);
    } catch {
      error(tid, 'internal tracker error', reqLen, rinfo);
    }
  };

  socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    const action = requestAction(msg);
    if (action < 0) {
      ctx.stats.udpDropped++;
      return;
    }
    let addr: Uint8Array;
    if (rinfo.family === 'IPv4') {
      // Fast path: dotted quad straight into a scratch buffer (the store copies what it keeps).
      addr = scratch4;
      const ip = rinfo.address;
      let v = 0;
      let k = 0;
      for (let i = 0; i < ip.length; i++) {
        const ch = ip.charCodeAt(i);
        if (ch === 0x2e) {
          addr[k++] = v;
          v = 0;
        } else v = v * 10 + ch - 0x30;
      }
      addr[3] = v;
      addr[4] = rinfo.port >> 8;
      addr[5] = rinfo.port & 0xff;
    } else {
      try {
        addr = encodeCompactPeer(rinfo.address, rinfo.port);
      } catch {
        ctx.stats.udpDropped++;
        return;
      }
    }
    const now = ctx.now();
    if (action === UdpAction.connect) {
      if (u32(msg, 0) !== PROTOCOL_ID_HI || u32(msg, 4) !== PROTOCOL_ID_LO) {
        ctx.stats.udpDropped++;
        return;
      }
      ctx.stats.udpConnects++;
      const out = Buffer.allocUnsafe(CONNECT_LEN);
      out.writeUInt32BE(UdpAction.connect, 0);
      msg.copy(out, 4, 12, 16);
      ids.issue(addr, now, out, 8);
      send(out, rinfo);
      return;
    }
    // Never answer a packet whose connection id fails the MAC for its sender.
    if (!ids.verify(addr, msg, 0, now)) {
      ctx.stats.udpDropped++;
      return;
    }
    let req: UdpRequest;
    try {
      req = decodeUdpRequest(msg);
    } catch (e) {
      return error(requestTransactionId(msg), isShoalError(e) ? e.message : 'bad packet', msg.length, rinfo);
    }
    if (req.type === 'announce') announce(req, addr, msg.length, rinfo);
    else if (req.type === 'scrape') scrape(req, msg.length, rinfo);
  });
}
