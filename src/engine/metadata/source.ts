import { InfoHash } from '../../core/infohash.js';
import { parseMagnet } from '../../metainfo/magnet.js';
import type { Magnet } from '../../metainfo/magnet.js';

const BARE_HASH = /^([0-9a-fA-F]{40}|[A-Za-z2-7]{32})$/;

/** A magnet link, or a bare info-hash (40 hex or 32 base32 characters). */
export function isMagnetSource(s: string): boolean {
  return /^magnet:/i.test(s) || BARE_HASH.test(s);
}

/** Parses a magnet link or a bare info-hash. Throws MagnetError. */
export function parseMagnetSource(s: string): Magnet {
  if (BARE_HASH.test(s)) return { infoHash: InfoHash.parse(s), trackers: [], webSeeds: [], peers: [] };
  return parseMagnet(s);
}
