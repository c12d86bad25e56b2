import type { Socket } from 'node:net';
import type { PeerDiscovery } from '../discovery.js';

export interface MetadataFetchOptions {
  readonly infoHash: Uint8Array;
  readonly peerId: Buffer;
  /** Our listen port, sent in the extension handshake and to trackers (0: none). */
  readonly listenPort?: number;
  /** Opens a socket; `onChunk` gets its data (a view valid during the call). */
  readonly dial: (host: string, port: number, onChunk: (chunk: Buffer) => void) => Socket;
  /** Peers to ask, 'host:port' (magnet x.pe, --peer). */
  readonly peers?: readonly string[];
  /** Tracker URLs (magnet tr), each announced to as its own tier. */
  readonly trackers?: readonly string[];
  /** DHT, LSD…: looked up (port 0: we announce nothing until the torrent runs). */
  readonly discovery?: readonly PeerDiscovery[];
  /** Largest metadata accepted, bytes (default 16 MiB). */
  readonly maxMetadataSize?: number;
  /** Connections at once (default 25). */
  readonly maxConnections?: number;
  /** Room left in the client's connection budget. */
  readonly connectionRoom?: () => number;
  /** Give up after this long, ms (default: never). */
  readonly timeoutMs?: number;
  /** A request unanswered this long goes to another peer, ms (default 10 s). */
  readonly requestTimeoutMs?: number;
  readonly minAnnounceInterval?: number;
  readonly signal?: AbortSignal;
}

/** A snapshot of a metadata fetch ('progress' event). */
export interface MetadataProgress {
  /** Peer addresses known. */
  readonly known: number;
  /** Connections open (handshaking or ready). */
  readonly connected: number;
  /** Connected peers offering metadata. */
  readonly offering: number;
  /** metadata_size most peers agree on (undefined before any). */
  readonly size: number | undefined;
  readonly piecesHave: number;
  readonly pieceCount: number;
}

export interface MetadataPeerEvent {
  readonly type: 'connect' | 'disconnect';
  readonly address: string;
  readonly client: string | undefined;
  readonly reason?: string;
}

export interface MetadataFetchEvents {
  progress: [MetadataProgress];
  peer: [MetadataPeerEvent];
  /** A peer was dropped for bad metadata, a tracker failed… */
  warning: [string];
}
