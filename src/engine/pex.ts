import { PexFlags, UT_PEX, decodePex, encodePex } from '../wire/pex.js';
import type { PexPeer } from '../wire/pex.js';
import type { PeerAddress } from './discovery.js';
import type { TorrentFeature } from './features.js';
import type { PeerConnection } from './peer.js';
import { isSelf, listenAddress, peerFlags, pexDiff, pexKey, usableAddress } from './pex-peers.js';

/** What PEX needs from its torrent (implemented by Torrent). */
export interface PexHost {
  readonly metainfo: { readonly private: boolean };
  readonly listenPort: number;
  readonly have: { readonly complete: boolean };
  /** Where the peers we learn go (dialled as room allows). */
  addFoundPeers(peers: readonly PeerAddress[]): void;
}

/** Timing and limits of peer exchange; the defaults follow BEP 11. */
export interface PexOptions {
  /** Least time between two messages to one peer, ms (BEP 11: one a minute). Default 60 000. */
  readonly intervalMs?: number;
  /** Delay of the first message after the peer's handshake, ms. Default 5 000. */
  readonly firstDelayMs?: number;
  /** A peer's messages closer together than this are ignored, ms. Default 50 000 (some slack under a minute). */
  readonly minReceiveIntervalMs?: number;
  /** Entries per list (added, dropped) sent, and added entries taken from one message. Default 50 (BEP 11). */
  readonly maxPeers?: number;
}

/** Counters, for tests and status pages. */
export interface PexStats {
  /** Messages sent / received and acted on / ignored for coming too often. */
  sent: number;
  received: number;
  ignored: number;
  /** Peers passed to the torrent from received messages. */
  learned: number;
  /** Connections closed for a malformed message. */
  malformed: number;
}

interface PeerState {
  readonly readyAt: number;
  /** What this peer was told is connected (key -> entry). */
  readonly told: Map<string, PexPeer>;
  lastSent: number | undefined;
  lastReceived: number | undefined;
}

const DEFAULTS: Required<PexOptions> = { intervalMs: 60_000, firstDelayMs: 5_000, minReceiveIntervalMs: 50_000, maxPeers: 50 };

/**
 * BEP 11 peer exchange ('ut_pex'). Every connected peer that speaks it gets, at most once per
 * interval, the addresses of our other connected peers added since its last message and those
 * gone since (at most 50 of each). Addresses received go to the torrent's swarm: at most 50 a
 * message, one message per interval per peer (more frequent ones are ignored), never our own
 * listener. A malformed message closes the connection. Off for private torrents (BEP 27):
 * not advertised, nothing sent, incoming messages not routed here.
 */
export class PexFeature implements TorrentFeature {
  readonly extensions = [UT_PEX] as const;
  readonly stats: PexStats = { sent: 0, received: 0, ignored: 0, learned: 0, malformed: 0 };
  private readonly host: PexHost;
  private opts: Required<PexOptions>;
  private readonly peers = new Map<PeerConnection, PeerState>();

  constructor(host: PexHost, opts: PexOptions = {}) {
    this.host = host;
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Changes timing/limits (tests shorten the intervals); applies to later messages. */
  configure(opts: PexOptions): void {
    this.opts = { ...this.opts, ...opts };
  }

  enabled(): boolean {
    return !this.host.metainfo.private;
  }

  onPeerReady(c: PeerConnection): void {
    this.peers.set(c, { readyAt: performance.now(), told: new Map(), lastSent: undefined, lastReceived: undefined });
  }

  onPeerClosed(c: PeerConnection): void {
    this.peers.delete(c);
  }

  onExtended(c: PeerConnection, _name: string, payload: Uint8Array): void {
    const st = this.peers.get(c);
    if (st === undefined || !this.enabled()) return;
    const now = performance.now();
    if (st.lastReceived !== undefined && now - st.lastReceived < this.opts.minReceiveIntervalMs) {
      this.stats.ignored++;
      return;
    }
    let msg;
    try {
      msg = decodePex(payload, { maxPeers: this.opts.maxPeers });
    } catch (e) {
      this.stats.malformed++;
      c.close(`protocol violation: ${(e as Error).message}`);
      return;
    }
    st.lastReceived = now;
    this.stats.received++;
    const listenPort = this.host.listenPort;
    const skipSeeds = this.host.have.complete;
    const found: PeerAddress[] = [];
    for (const p of msg.added) {
      if (!usableAddress(p.host) || isSelf(p.host, p.port, listenPort, now)) continue;
      if (skipSeeds && (p.flags & PexFlags.seed) !== 0) continue;
      found.push({ host: p.host, port: p.port });
    }
    // `dropped` is advice only: a peer we know stays until our own attempts fail.
    if (found.length === 0) return;
    this.stats.learned += found.length;
    this.host.addFoundPeers(found);
  }

  tick(now: number): void {
    if (!this.enabled() || this.peers.size === 0) return;
    let current: Map<string, PexPeer> | undefined;
    for (const [c, st] of this.peers) {
      if (c.closed || !c.peerExtensions.get(UT_PEX)) continue;
      const due = st.lastSent === undefined ? st.readyAt + this.opts.firstDelayMs : st.lastSent + this.opts.intervalMs;
      if (now < due) continue;
      current ??= this.connected();
      const self = listenAddress(c);
      const { added, dropped } = pexDiff(current, st.told, self && pexKey(self), this.opts.maxPeers);
      if (added.length === 0 && dropped.length === 0) continue;
      if (c.sendExtended(UT_PEX, encodePex({ added, dropped }))) {
        st.lastSent = now;
        this.stats.sent++;
      }
    }
  }

  close(): void {
    this.peers.clear();
  }

  /** Listen addresses of our ready peers, with their flags. */
  private connected(): Map<string, PexPeer> {
    const out = new Map<string, PexPeer>();
    for (const c of this.peers.keys()) {
      if (c.closed) continue;
      const a = listenAddress(c);
      if (a === undefined) continue;
      out.set(pexKey(a), { ...a, flags: peerFlags(c) });
    }
    return out;
  }
}
