import type { Socket } from 'node:net';
import { Bitfield } from '../core/bitfield.js';
import type { CachedReader } from '../storage/cache.js';
import { WireDecoder } from '../wire/decoder.js';
import { CHOKE, HAVE_ALL, HAVE_NONE, INTERESTED, KEEP_ALIVE, NOT_INTERESTED, UNCHOKE, encodeAllowedFast, encodeBitfield, encodeCancel, encodeExtended, encodeReject, encodeSuggest } from '../wire/encode.js';
import { decodeExtensionHandshake, encodeExtensionHandshake } from '../wire/extension.js';
import type { ExtensionHandshake } from '../wire/extension.js';
import { encodeHandshake, extensionsOf } from '../wire/handshake.js';
import type { DecodedMessage } from '../wire/messages.js';
import type { Features } from './features.js';
import type { BandwidthScheduler, RateLimiter } from './limits.js';
import { BLOCK_SIZE } from './picker/blocks.js';
import type { BlockRequest } from './picker/blocks.js';
import type { PickerPeer } from './picker/peer.js';
import type { PiecePicker } from './picker/picker.js';
import { RequestQueue } from './requests.js';
import { Uploader } from './uploader.js';

/** Requests we accept queued from one peer (advertised as our `reqq`). */
export const MAX_INCOMING_REQUESTS = 500;
/** Largest block a peer may request (some clients ask for 32 KiB; 16 KiB is the norm). */
const MAX_REQUEST_LENGTH = 128 << 10;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 150_000;
const KEEP_ALIVE_MS = 60_000;
/** Unrequested or malformed block bytes tolerated before we hang up. */
const MAX_UNEXPECTED_BYTES = 4 << 20;
const CLIENT_NAME = 'shoal 0.1.0';

/** What a connection needs from its torrent (implemented by Torrent). */
export interface PeerHost {
  readonly infoHash: Buffer;
  readonly peerId: Buffer;
  readonly pieceCount: number;
  readonly have: Bitfield;
  readonly picker: PiecePicker<PeerConnection>;
  readonly reader: CachedReader;
  readonly listenPort: number;
  /** False while paused or when nothing is wanted: no INTERESTED, no requests. */
  readonly downloading: boolean;
  pieceSize(index: number): number;
  /** Handshake done: false refuses the peer (duplicate, banned, full). */
  attach(c: PeerConnection): boolean;
  detach(c: PeerConnection, reason: string): void;
  onBlock(c: PeerConnection, index: number, begin: number, block: Uint8Array, now: number): void;
  onPeerInterested(c: PeerConnection): void;
  onUploaded(bytes: number, now: number): void;
  /** The peer told us its listen port (BEP 10 'p'). */
  onListenPort(c: PeerConnection, port: number): void;
  /** Extension features (metadata, PEX…): see features.ts. */
  readonly features: Features;
  /** Rate limits (torrent, chained to the client's) and the timer that wakes throttled peers. */
  readonly downLimit: RateLimiter;
  readonly upLimit: RateLimiter;
  readonly bandwidth: BandwidthScheduler;
  /** Super-seeding (BEP 16): announce no pieces at the handshake (HAVE_NONE / no bitfield). */
  readonly hidePieces?: boolean;
  /** When set, requests for pieces it refuses are rejected (super-seeding serves offered pieces only). */
  readonly uploadGate?: ((c: PeerConnection, index: number) => boolean) | undefined;
  /** The peer announced a piece (HAVE), after the picker counted it. */
  onPeerHave?(c: PeerConnection, index: number): void;
}

export type HostResolver = (infoHash: Uint8Array) => PeerHost | undefined;

/**
 * One peer connection: BEP 3 wire state, BEP 6 fast extension, BEP 10 handshake, our
 * requests (through the picker, sized by a RequestQueue) and its requests (served from the
 * read cache when we unchoke it). Every socket chunk is decoded, handled and answered
 * inside one cork/uncork, and requests are refilled once per chunk.
 */
export class PeerConnection {
  readonly socket: Socket;
  readonly incoming: boolean;
  readonly address: string;
  readonly ip: string;
  host: PeerHost | undefined;
  peerId: Buffer | undefined;
  peerIdHex: string | undefined;
  client: string | undefined;
  fast = false;
  extended = false;
  /** The peer's BEP 10 `m`: extension name -> the id it receives it on. */
  peerExtensions: ReadonlyMap<string, number> = new Map();
  /** Its extension handshake, once received. */
  extensionHandshake: ExtensionHandshake | undefined;
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  /** Handshake complete and attached to the torrent. */
  ready = false;
  closed = false;
  pp: PickerPeer<PeerConnection> | undefined;
  readonly rq: RequestQueue;
  downloaded = 0;
  get downloadRateCache(): number {
    return this.rates[0]!;
  }

  get uploadRateCache(): number {
    return this.rates[1]!;
  }

  /** Payload bytes sent to this peer. */
  get uploaded(): number {
    return this.up.uploaded;
  }
  hashFails = 0;
  readonly connectedAt: number;
  /**
   * Download and upload rates cached by the tick for the choker. In a Float64Array, not two
   * number fields: a field that holds 0 and then a fractional rate changes this object's
   * hidden class a second into every download, which discards the optimized code of every
   * function that handled a peer (see RateMeter).
   */
  private readonly rates = new Float64Array(2);
  private lastRecv: number;
  private lastSend: number;
  private readonly decoder: WireDecoder;
  private readonly resolver: HostResolver | undefined;
  private needRefill = false;
  private unexpected = 0;
  private readonly up: Uploader;
  private corked = false;
  /** Pieces we sent ALLOWED_FAST for (requests for them are served while it is choked). */
  private allowedOut: Set<number> | undefined;

  constructor(socket: Socket, opts: { host?: PeerHost; resolver?: HostResolver; address: string; ip: string; now: number; readsOwnData?: boolean }) {
    this.socket = socket;
    this.host = opts.host;
    this.resolver = opts.resolver;
    this.incoming = opts.host === undefined;
    this.address = opts.address;
    this.ip = opts.ip;
    this.connectedAt = this.lastRecv = this.lastSend = opts.now;
    this.rq = new RequestQueue(opts.now);
    this.up = new Uploader(socket, MAX_INCOMING_REQUESTS, opts.now);
    this.decoder = new WireDecoder({ emitInfoHash: this.incoming, reusePieceBuffer: true });
    socket.setNoDelay(true);
    if (!opts.readsOwnData) socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('error', (e: Error) => this.close(`socket: ${e.message}`));
    socket.on('close', () => this.close('closed by peer'));
    // Until the handshake is done (incoming sockets belong to no torrent tick yet).
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => {
      if (!this.ready) this.close('handshake timeout');
    });
    if (!this.incoming) this.sendHandshake();
  }

  private sendHandshake(): void {
    const h = this.host!;
    this.send(encodeHandshake({ infoHash: h.infoHash, peerId: h.peerId, extensions: { fast: true, extended: true } }));
  }

  private send(b: Uint8Array): void {
    this.socket.write(b);
  }

  /** Closes the socket once; the torrent forgets the peer (its requests go back to the pool). */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.up.queue.clear();
    if (this.host) {
      this.host.bandwidth.cancel(this.wakeDown);
      this.host.bandwidth.cancel(this.wakeUp);
    }
    this.host?.detach(this, reason);
  }

  // ---- receiving ----

  /** Data from a socket read into a reused buffer (see Client dial): valid during this call only. */
  receive(chunk: Buffer): void {
    this.onData(chunk);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.closed) return;
    const now = performance.now();
    this.lastRecv = now;
    let msgs: DecodedMessage[];
    try {
      msgs = this.decoder.push(chunk);
    } catch (e) {
      this.close(`protocol violation: ${(e as Error).message}`);
      return;
    }
    this.corked = true;
    this.socket.cork();
    try {
      for (let i = 0; i < msgs.length && !this.closed; i++) this.handle(msgs[i]!, now);
      if (this.needRefill && !this.closed) this.refill(now);
    } finally {
      this.corked = false;
      if (!this.closed) this.socket.uncork();
    }
  };

  private violation(what: string): void {
    this.close(`protocol violation: ${what}`);
  }

  private handle(m: DecodedMessage, now: number): void {
    const h = this.host;
    switch (m.type) {
      case 'handshake-info-hash': {
        const found = this.resolver?.(m.infoHash);
        if (!found) return this.close('unknown info-hash');
        this.host = found;
        this.sendHandshake();
        return;
      }
      case 'handshake':
        return this.onHandshake(m.reserved, m.infoHash, m.peerId);
      case 'keep-alive':
        return;
    }
    if (!h || !this.pp) return this.violation('message before handshake');
    // BEP 3 wants the bitfield first, but real clients differ: aria2 sends other messages
    // before it and then a whole BITFIELD again as it gets pieces. A later bitfield /
    // have-all / have-none replaces what we knew: O(pieces), i.e. a few operations per byte
    // the peer sends, so it cannot be abused beyond its own bandwidth.
    const picker = h.picker;
    const pp = this.pp;
    switch (m.type) {
      case 'piece':
        if (!(m.index < h.pieceCount) || m.begin + m.block.length > h.pieceSize(m.index)) {
          return this.violation(`piece ${m.index}:${m.begin}+${m.block.length} outside the torrent`);
        }
        this.downloaded += m.block.length;
        h.onBlock(this, m.index, m.begin, m.block, now);
        this.needRefill = true;
        return;
      case 'choke':
        this.peerChoking = true;
        picker.setChoking(pp, true);
        if (!this.fast) {
          picker.releaseAll(pp);
          this.rq.clear();
        }
        return;
      case 'unchoke':
        this.peerChoking = false;
        picker.setChoking(pp, false);
        this.needRefill = true;
        return;
      case 'interested':
        this.peerInterested = true;
        h.onPeerInterested(this);
        return;
      case 'not-interested':
        this.peerInterested = false;
        return;
      case 'have':
        if (!picker.peerHave(pp, m.index)) return this.violation(`have ${m.index} out of range`);
        h.onPeerHave?.(this, m.index);
        this.updateInterest();
        return;
      case 'bitfield': {
        if (m.bitfield.length !== (h.pieceCount + 7) >> 3) return this.violation('bitfield of the wrong size');
        const spare = h.pieceCount & 7;
        if (spare && (m.bitfield[m.bitfield.length - 1]! & (0xff >> spare)) !== 0) return this.violation('bitfield spare bits set');
        picker.peerBitfield(pp, new Bitfield(h.pieceCount, m.bitfield));
        this.updateInterest();
        return;
      }
      case 'have-all':
      case 'have-none':
        if (!this.fast) return this.violation(`${m.type} without the fast extension`);
        if (m.type === 'have-all') picker.peerHaveAll(pp);
        else picker.peerHaveNone(pp);
        this.updateInterest();
        return;
      case 'request':
        return this.onRequest(m.index, m.begin, m.length);
      case 'cancel':
        this.up.queue.remove(m.index, m.begin, m.length);
        return;
      case 'reject':
        if (!this.fast) return this.violation('reject without the fast extension');
        if (this.rq.cancel(m.index, m.begin)) picker.release(pp, m.index, m.begin);
        this.needRefill = true;
        return;
      case 'allowed-fast':
        if (!this.fast) return this.violation('allowed-fast without the fast extension');
        if (!picker.peerAllowedFast(pp, m.index)) return this.violation(`allowed-fast ${m.index} out of range`);
        this.needRefill = true;
        return;
      case 'extended':
        if (m.extId === 0) this.onExtensionHandshake(m.payload);
        else h.features.extended(this, m.extId, m.payload);
        return;
      case 'suggest':
        if (!this.fast) return; // BEP 6 only: tolerated and ignored without it
        if (!picker.peerSuggest(pp, m.index)) return this.violation(`suggest ${m.index} out of range`);
        this.needRefill = true;
        return;
      default:
        // port, unknown ids, extension messages we did not announce: ignored.
        return;
    }
  }

  private onHandshake(reserved: Uint8Array, infoHash: Uint8Array, peerId: Uint8Array): void {
    const h = this.host;
    if (!h) return this.close('unknown info-hash');
    if (!h.infoHash.equals(infoHash)) return this.close('info-hash mismatch');
    if (h.peerId.equals(peerId)) return this.close('connected to ourselves');
    const ext = extensionsOf(reserved);
    this.fast = ext.fast;
    this.extended = ext.extended;
    this.peerId = Buffer.from(peerId);
    this.peerIdHex = this.peerId.toString('hex');
    this.decoder.setMaxBitfieldLength((h.pieceCount + 7) >> 3);
    this.pp = h.picker.addPeer(this);
    if (!h.attach(this)) {
      const pp = this.pp;
      this.pp = undefined;
      h.picker.removePeer(pp);
      return this.close('refused');
    }
    this.ready = true;
    this.socket.setTimeout(0);
    const have = h.have;
    if (h.hidePieces === true) {
      if (this.fast) this.send(HAVE_NONE);
    } else if (this.fast && have.count === 0) this.send(HAVE_NONE);
    else if (this.fast && have.complete) this.send(HAVE_ALL);
    else if (have.count > 0) this.send(encodeBitfield(have.buffer));
    if (this.extended) {
      const extras = h.features.handshake({});
      this.send(
        encodeExtended(
          0,
          encodeExtensionHandshake({ m: h.features.localExtensions(), v: CLIENT_NAME, p: h.listenPort > 0 ? h.listenPort : undefined, reqq: MAX_INCOMING_REQUESTS, yourip: this.ip || undefined, ...extras }),
        ),
      );
    }
    h.features.peerReady(this);
  }

  private onExtensionHandshake(payload: Uint8Array): void {
    let hs;
    try {
      hs = decodeExtensionHandshake(payload);
    } catch (e) {
      return this.violation((e as Error).message);
    }
    if (hs.reqq !== undefined) this.rq.setReqq(hs.reqq);
    if (hs.v !== undefined) this.client = hs.v.slice(0, 64);
    if (hs.p !== undefined && this.incoming) this.host?.onListenPort(this, hs.p);
    this.peerExtensions = hs.m;
    this.extensionHandshake = hs;
    this.host?.features.extensionHandshake(this, hs);
  }

  /** Sends an extension message if the peer speaks it (its `m` has a non-zero id); false if not. */
  sendExtended(name: string, payload: Uint8Array): boolean {
    const id = this.peerExtensions.get(name);
    if (id === undefined || id === 0 || this.closed || !this.ready) return false;
    this.send(encodeExtended(id, payload));
    return true;
  }

  // ---- our requests ----

  /** Sends INTERESTED / NOT_INTERESTED when our need for its pieces changed. */
  updateInterest(): void {
    const h = this.host;
    if (!h || !this.pp || this.closed) return;
    const want = h.downloading && h.picker.isInteresting(this.pp);
    if (want === this.amInterested) {
      if (want) this.needRefill = true;
      return;
    }
    this.amInterested = want;
    this.send(want ? INTERESTED : NOT_INTERESTED);
    if (want) this.needRefill = true;
  }

  /** Tops up our requests to the queue target (called per chunk, on unchoke and by the tick). */
  refill(now: number): void {
    this.needRefill = false;
    const h = this.host;
    const pp = this.pp;
    if (!h || !pp || this.closed || !h.downloading || !this.amInterested) return;
    if (this.peerChoking && pp.allowedFast.length === 0) return;
    const picker = h.picker;
    let room = this.rq.room(picker.endgame);
    if (room <= 0) return;
    // Download limit: requests are paid for when sent (what we ask for is what arrives);
    // with no tokens left we ask for nothing and the bandwidth timer calls refill again.
    const lim = h.downLimit;
    const limited = lim.limited;
    if (limited) {
      const avail = lim.available(now);
      if (avail <= 0) return h.bandwidth.wait(this.wakeDown, lim, now);
      const blocks = Math.ceil(avail / BLOCK_SIZE);
      if (blocks < room) room = blocks;
    }
    const reqs = picker.pick(pp, room);
    if (reqs.length === 0) return;
    if (limited) {
      let bytes = 0;
      for (let i = 0; i < reqs.length; i++) bytes += reqs[i]!.length;
      lim.take(bytes, now);
    }
    this.writeRequests(reqs);
    this.rq.sent(reqs, now);
  }

  private readonly wakeDown = (): void => {
    if (this.closed) return;
    this.socket.cork();
    this.refill(performance.now());
    this.socket.uncork();
  };

  private readonly wakeUp = (): void => {
    if (this.up.queue.length > 0) this.serve();
  };

  private writeRequests(reqs: readonly BlockRequest[]): void {
    const b = Buffer.allocUnsafe(17 * reqs.length);
    let o = 0;
    for (const r of reqs) {
      b.writeUInt32BE(13, o);
      b[o + 4] = 6;
      b.writeUInt32BE(r.index, o + 5);
      b.writeUInt32BE(r.begin, o + 9);
      b.writeUInt32BE(r.length, o + 13);
      o += 17;
    }
    this.lastSend = performance.now();
    this.send(b);
  }

  sendCancel(index: number, begin: number, length: number): void {
    if (this.closed) return;
    this.rq.cancel(index, begin);
    this.send(encodeCancel(index, begin, length));
  }

  /** Gives back requests (timed out) to the picker and cancels them on the wire. */
  private giveUp(reqs: readonly BlockRequest[]): void {
    const pp = this.pp;
    const h = this.host;
    if (!pp || !h) return;
    for (const r of reqs) {
      h.picker.release(pp, r.index, r.begin);
      this.send(encodeCancel(r.index, r.begin, r.length));
    }
  }

  /**
   * HAVE, also to peers that already have the piece (libtorrent's send_redundant_have):
   * a seed we leech from learns where its pieces went, which its swarm-health figures,
   * drain and super-seeding depend on. 9 bytes per piece per peer.
   */
  sendHave(msg: Buffer, index: number): void {
    if (!this.ready || this.closed) return;
    void index;
    this.send(msg);
  }

  /** BEP 6 SUGGEST (fast-extension peers only); false when not sent. */
  suggest(index: number): boolean {
    if (!this.ready || this.closed || !this.fast) return false;
    this.send(encodeSuggest(index));
    return true;
  }

  /** BEP 6 ALLOWED_FAST: the peer may request this piece from us while choked. False when not sent. */
  allowFast(index: number): boolean {
    if (!this.ready || this.closed || !this.fast) return false;
    this.allowedOut ??= new Set();
    if (this.allowedOut.has(index)) return true;
    this.allowedOut.add(index);
    this.send(encodeAllowedFast(index));
    return true;
  }

  // ---- their requests ----

  private onRequest(index: number, begin: number, length: number): void {
    const h = this.host!;
    if (!(index < h.pieceCount) || length === 0 || length > MAX_REQUEST_LENGTH || begin + length > h.pieceSize(index)) {
      return this.violation(`bad request ${index}:${begin}+${length}`);
    }
    if ((this.amChoking && this.allowedOut?.has(index) !== true) || !h.have.get(index) || this.up.queue.full || (h.uploadGate !== undefined && !h.uploadGate(this, index))) {
      if (this.fast) this.send(encodeReject(index, begin, length));
      else if (!h.have.get(index) && !this.amChoking) this.violation(`request for piece ${index} we do not have`);
      return;
    }
    this.up.queue.push(index, begin, length);
    this.serve();
  }

  private readonly onDrain = (): void => {
    if (this.up.queue.length > 0) this.serve();
  };

  /** Answers queued requests (see Uploader). */
  serve(): void {
    const h = this.host;
    if (!h || this.closed) return;
    const cork = !this.corked;
    if (cork) this.socket.cork();
    const now = performance.now();
    const sent = this.up.serve(h.reader, now, this.resumeServing, this.failServing, h.upLimit);
    if (cork) this.socket.uncork();
    if (this.up.throttled) h.bandwidth.wait(this.wakeUp, h.upLimit, now);
    if (sent > 0) {
      this.lastSend = now;
      h.onUploaded(sent, now);
    }
  }

  private readonly resumeServing = (): void => this.serve();
  private readonly failServing = (why: string): void => this.close(why);

  choke(): void {
    if (this.amChoking || this.closed) return;
    this.amChoking = true;
    this.send(CHOKE);
    this.up.drop(this.fast);
  }

  unchoke(): void {
    if (!this.amChoking || this.closed) return;
    this.amChoking = false;
    this.send(UNCHOKE);
  }

  /** Scheduler tick (1 s): timeouts, keep-alive, request timeouts, refill. */
  tick(now: number): void {
    if (this.closed) return;
    if (!this.ready) {
      if (now - this.connectedAt > HANDSHAKE_TIMEOUT_MS) this.close('handshake timeout');
      return;
    }
    if (now - this.lastRecv > IDLE_TIMEOUT_MS) return this.close('idle timeout');
    this.rates[0] = this.rq.download.rate(now);
    this.rates[1] = this.up.rate.rate(now);
    if (this.unexpected > MAX_UNEXPECTED_BYTES) return this.close('too much unrequested data');
    this.unexpected >>>= 1; // late endgame answers are normal: only a flood adds up
    this.socket.cork();
    const lost = this.rq.tick(now);
    if (lost.length > 0) this.giveUp(lost);
    this.updateInterest();
    this.refill(now);
    if (now - this.lastSend > KEEP_ALIVE_MS) {
      this.lastSend = now;
      this.send(KEEP_ALIVE);
    }
    this.socket.uncork();
  }

  /** Counts a block nobody asked for (or a malformed one). */
  countUnexpected(bytes: number): void {
    this.unexpected += bytes;
  }
}
