/** A peer address found by a discovery source. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** What a torrent tells a discovery source when it starts looking. */
export interface WatchOptions {
  /** Our TCP listen port to announce (0: look up only, announce nothing). */
  readonly port: number;
  /** We are a seed (some sources announce differently). */
  readonly seed: boolean;
}

/**
 * A source of peers besides trackers, shared by every torrent of a Client: the DHT
 * (BEP 5), local service discovery (BEP 14). Private torrents (BEP 27) never use one.
 */
export interface PeerDiscovery {
  /** 'dht', 'lsd'… (shown in warnings). */
  readonly name: string;
  /**
   * Starts finding peers for an info-hash (and announcing us when opts.port > 0), again on
   * the source's own schedule, until the returned function is called. Found peers go to
   * onPeers (possibly many times, possibly repeated addresses).
   */
  watch(infoHash: Buffer, opts: WatchOptions, onPeers: (peers: readonly PeerAddress[]) => void): () => void;
  /** Releases sockets and timers (and saves state where it keeps any). */
  close(): Promise<void>;
}
