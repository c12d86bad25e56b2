import type { ExtensionHandshake } from '../wire/extension.js';
import type { PeerConnection } from './peer.js';

/**
 * The ids we ask peers to use for the BEP 10 extension messages we receive (our `m`).
 * Fixed, so every connection advertises the same map; the values match libtorrent's.
 */
export const LOCAL_EXT_IDS: Readonly<Record<string, number>> = { ut_pex: 1, ut_metadata: 2 };

/** Fields a feature may add to our extension handshake. */
export interface HandshakeExtras {
  metadataSize?: number;
  uploadOnly?: boolean;
}

/**
 * Something a torrent does besides BEP 3 (metadata exchange, peer exchange, web seeds,
 * super-seeding, drain…). Features see peers come and go, receive the extension
 * messages they are named for, and run on the torrent's tick. Each lives in its own file;
 * the torrent only lists them.
 */
export interface TorrentFeature {
  /** BEP 10 extension names this feature receives (must be keys of LOCAL_EXT_IDS). */
  readonly extensions?: readonly string[];
  /** False: do not advertise this feature's extensions (e.g. PEX on a private torrent). */
  enabled?(): boolean;
  /** Adds fields to the extension handshake we send. */
  handshake?(out: HandshakeExtras): void;
  /** Handshake done, attached, our bitfield and extension handshake sent. */
  onPeerReady?(c: PeerConnection): void;
  /** The peer's extension handshake (its `m` is in `c.peerExtensions`). */
  onExtensionHandshake?(c: PeerConnection, hs: ExtensionHandshake): void;
  /** An extension message for one of `extensions`. */
  onExtended?(c: PeerConnection, name: string, payload: Uint8Array): void;
  onPeerClosed?(c: PeerConnection, reason: string): void;
  /** A piece was verified and written. */
  onPieceVerified?(index: number): void;
  /** About once a second while the torrent runs. */
  tick?(now: number): void;
  /** The torrent is closing. */
  close?(): void | Promise<void>;
}

/** The features of one torrent, and dispatch to them. */
export class Features {
  private readonly list: TorrentFeature[] = [];
  private readonly byId = new Map<number, { name: string; feature: TorrentFeature }>();

  add<F extends TorrentFeature>(f: F): F {
    this.list.push(f);
    for (const name of f.extensions ?? []) {
      const id = LOCAL_EXT_IDS[name];
      if (id === undefined) throw new Error(`no local id for extension ${name}`);
      this.byId.set(id, { name, feature: f });
    }
    return f;
  }

  /** Our `m` for the extension handshake. */
  localExtensions(): Map<string, number> {
    const m = new Map<string, number>();
    for (const [id, { name, feature }] of this.byId) if (feature.enabled?.() !== false) m.set(name, id);
    return m;
  }

  handshake(out: HandshakeExtras): HandshakeExtras {
    for (const f of this.list) if (f.enabled?.() !== false) f.handshake?.(out);
    return out;
  }

  peerReady(c: PeerConnection): void {
    for (const f of this.list) f.onPeerReady?.(c);
  }

  extensionHandshake(c: PeerConnection, hs: ExtensionHandshake): void {
    for (const f of this.list) f.onExtensionHandshake?.(c, hs);
  }

  /** Routes an extension message by our id; false when it is not one we advertised. */
  extended(c: PeerConnection, id: number, payload: Uint8Array): boolean {
    const e = this.byId.get(id);
    if (e === undefined || e.feature.enabled?.() === false || e.feature.onExtended === undefined) return false;
    e.feature.onExtended(c, e.name, payload);
    return true;
  }

  peerClosed(c: PeerConnection, reason: string): void {
    for (const f of this.list) f.onPeerClosed?.(c, reason);
  }

  pieceVerified(index: number): void {
    for (const f of this.list) f.onPieceVerified?.(index);
  }

  tick(now: number): void {
    for (const f of this.list) f.tick?.(now);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.list.map((f) => f.close?.()));
  }
}
