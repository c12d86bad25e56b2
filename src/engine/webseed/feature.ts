import type { TorrentFeature } from '../features.js';
import type { PeerConnection } from '../peer.js';
import { BLOCK_SIZE } from '../picker/blocks.js';
import type { PickerPeer } from '../picker/peer.js';
import { WebSeed } from './seed.js';
import type { SeedConfig } from './seed.js';
import type { WebSeedHost, WebSeedInfo, WebSeedOptions } from './types.js';

/** Web seeds used per torrent at most (a url-list can be long; each one opens connections). */
export const MAX_WEB_SEEDS = 16;
const MAX_CLAIM = 8 << 20;

/** Defaults filled in and limits applied. */
export function seedConfig(o: WebSeedOptions, pieceLength: number): SeedConfig {
  const claim = Math.min(MAX_CLAIM, Math.max(pieceLength, o.requestBytes ?? 512 << 10));
  return {
    connections: Math.min(4, Math.max(1, Math.floor(o.connections ?? 2))),
    claimBlocks: Math.max(1, Math.ceil(claim / BLOCK_SIZE)),
    retryMs: Math.max(1, o.retryMs ?? 5_000),
    maxRetryMs: Math.max(1, o.maxRetryMs ?? 300_000),
    maxHashFailures: Math.max(1, o.maxHashFailures ?? 3),
    maxBadResponses: Math.max(1, o.maxBadResponses ?? 5),
    timeoutMs: Math.max(1, o.timeoutMs ?? 30_000),
  };
}

/**
 * The web seeds (BEP 19) of one torrent: the metainfo's url-list plus `options.urls`
 * (deduplicated, at most MAX_WEB_SEEDS), each a WebSeed. Started by the torrent, kicked on
 * its tick and when pieces are verified, stopped when it is complete or closed.
 */
export class WebSeeds implements TorrentFeature {
  private readonly seeds: WebSeed[] = [];
  private readonly host: WebSeedHost;

  constructor(host: WebSeedHost, options: WebSeedOptions | false | undefined) {
    this.host = host;
    if (options === false) return;
    const cfg = seedConfig(options ?? {}, host.meta.pieceLength);
    const urls = new Set([...(options?.ignoreMetainfo ? [] : host.meta.webSeeds), ...(options?.urls ?? [])]);
    const now = performance.now();
    for (const u of urls) {
      if (this.seeds.length >= MAX_WEB_SEEDS) break;
      this.seeds.push(new WebSeed(u, host, cfg, now));
    }
  }

  get size(): number {
    return this.seeds.length;
  }

  /** Status of every web seed. */
  list(): WebSeedInfo[] {
    const now = performance.now();
    return this.seeds.map((s) => s.info(now));
  }

  start(): void {
    this.kick();
  }

  tick(): void {
    this.kick();
  }

  onPieceVerified(): void {
    if (this.host.picker.remaining === 0) for (const s of this.seeds) s.done();
    else this.kick();
  }

  /** A piece failed its hash check and `pp` sent some of it: true when `pp` is a web seed (it is charged). */
  blame(pp: PickerPeer<PeerConnection>): boolean {
    for (const s of this.seeds) {
      if (s.owns(pp)) {
        s.hashFailed();
        return true;
      }
    }
    return false;
  }

  close(): void {
    for (const s of this.seeds) s.close();
  }

  private kick(): void {
    for (const s of this.seeds) s.kick();
  }
}
