import type { AnnounceRequest, PeerAddress } from '../protocol/index.js';

/** What a client keeps of a successful announce, HTTP or UDP alike. */
export interface AnnounceResult {
  readonly interval: number;
  readonly minInterval?: number | undefined;
  readonly peers: PeerAddress[];
  readonly seeders?: number | undefined;
  readonly leechers?: number | undefined;
  readonly warning?: string | undefined;
  readonly trackerId?: string | undefined;
}

export interface ScrapeResult {
  readonly complete: number;
  readonly incomplete: number;
  readonly downloaded: number;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Whole-request time limit in ms (HTTP), or the first retransmit timeout (UDP). */
  readonly timeoutMs?: number;
}

/** One tracker transport (http(s):// or udp://). */
export interface TrackerTransport {
  announce(url: string, req: AnnounceRequest, opts?: RequestOptions): Promise<AnnounceResult>;
  scrape(url: string, infoHashes: readonly Uint8Array[], opts?: RequestOptions): Promise<ScrapeResult[]>;
}
