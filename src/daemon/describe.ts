import type { Bitfield } from '../core/bitfield.js';
import { magnetFromMetainfo } from '../metainfo/magnet.js';
import { filePieceRange, pieceSize } from '../metainfo/layout.js';
import type { Metainfo } from '../metainfo/types.js';
import type { Entry } from './entry.js';
import { trackerList } from './trackers.js';
import { computeHealth, healthFigures, pieceRanges } from '../engine/health.js';
import type { HealthFigures, TorrentHealth } from '../engine/health.js';

/** Verified bytes per file, from the have bitfield (O(pieces of the file) each). */
export function fileDone(meta: Metainfo, have: Bitfield, fileIndex: number): number {
  const f = meta.files[fileIndex]!;
  if (f.length === 0) return 0;
  const { first, last } = filePieceRange(meta, fileIndex);
  let done = 0;
  const end = f.offset + f.length;
  for (let p = first; p <= last; p++) {
    if (!have.get(p)) continue;
    const ps = p * meta.pieceLength;
    const pe = ps + pieceSize(meta, p);
    done += Math.min(pe, end) - Math.max(ps, f.offset);
  }
  return done;
}

export interface Summary {
  id: number;
  infoHash: string;
  name: string;
  state: string;
  /** null while the metadata is not in (magnet / info-hash add). */
  size: number | null;
  progress: number;
  downloadRate: number;
  uploadRate: number;
  downloaded: number;
  uploaded: number;
  peers: number;
  seeds: number;
  /** Seconds, or null when unknown (stalled / stopped). */
  eta: number | null;
  error: string | null;
  downloadDir: string;
  addedAt: number;
  doneAt: number | null;
  /** Replication in the swarm we see (see health()); without the single-holder list. */
  health: HealthFigures;
  /** Only while the metadata is not in: the fetch's progress (null before the first report). */
  metadata?: MetadataInfo | null;
}

export interface MetadataInfo {
  /** Peers known / connected / offering the metadata (BEP 9). */
  known: number;
  connected: number;
  offering: number;
  /** Metadata size in bytes once a peer told it, else null. */
  size: number | null;
  piecesHave: number;
  pieceCount: number;
}

function metadataInfo(e: Entry): MetadataInfo | null {
  const p = e.metadataProgress;
  if (p === undefined) return null;
  return { known: p.known, connected: p.connected, offering: p.offering, size: p.size ?? null, piecesHave: p.piecesHave, pieceCount: p.pieceCount };
}

/** What GET /torrents lists: cheap fields only. */
export function summary(e: Entry): Summary {
  const p = e.progress();
  const t = e.torrent;
  let seeds = 0;
  let peers = 0;
  if (t !== undefined && p !== undefined && p.peers > 0) {
    for (const x of t.peers) {
      peers++;
      if (x.pieces === e.meta.pieceCount) seeds++;
    }
  }
  if (e.pending) {
    const mp = metadataInfo(e);
    return {
      id: e.id,
      infoHash: e.hash,
      name: e.meta.name,
      state: e.state,
      size: null,
      progress: mp !== null && mp.pieceCount > 0 ? mp.piecesHave / mp.pieceCount : 0,
      downloadRate: 0,
      uploadRate: 0,
      downloaded: 0,
      uploaded: 0,
      peers: mp?.connected ?? 0,
      seeds: 0,
      eta: null,
      error: e.error ?? null,
      downloadDir: e.record.downloadDir,
      addedAt: e.record.addedAt,
      doneAt: null,
      health: healthFigures(computeHealth(e.have, () => 0, 0, false)),
      metadata: mp,
    };
  }
  const wanted = wantedBytes(e);
  const verified = p?.verifiedBytes ?? verifiedWanted(e);
  return {
    id: e.id,
    infoHash: e.hash,
    name: e.meta.name,
    state: e.state,
    size: e.meta.totalLength,
    progress: p?.progress ?? (wanted > 0 ? verified / wanted : 1),
    downloadRate: p?.downloadRate ?? 0,
    uploadRate: p?.uploadRate ?? 0,
    downloaded: e.downloadedBefore + (p?.downloaded ?? 0),
    uploaded: e.uploadedBefore + (p?.uploaded ?? 0),
    peers,
    seeds,
    eta: p === undefined ? null : Number.isFinite(p.eta) ? Math.round(p.eta) : null,
    error: e.error ?? null,
    downloadDir: e.record.downloadDir,
    addedAt: e.record.addedAt,
    doneAt: e.record.doneAt ?? null,
    health: p?.health ?? healthFigures(computeHealth(e.have, () => 0, 0, false)),
  };
}

function wantedFlags(e: Entry): boolean[] {
  const pr = e.record.priorities;
  return e.meta.files.map((_, i) => pr?.[i] !== 'skip');
}

function wantedBytes(e: Entry): number {
  const flags = wantedFlags(e);
  let n = 0;
  e.meta.files.forEach((f, i) => {
    if (flags[i]) n += f.length;
  });
  return n;
}

function verifiedWanted(e: Entry): number {
  const flags = wantedFlags(e);
  let n = 0;
  for (let i = 0; i < e.meta.files.length; i++) if (flags[i]) n += fileDone(e.meta, e.have, i);
  return n;
}

/** What GET /torrents/HASH returns. */
export function detail(e: Entry): Record<string, unknown> {
  const m = e.meta;
  const have = e.have;
  const files = m.files.map((f, i) => ({
    index: i,
    path: f.path.join('/'),
    size: f.length,
    done: fileDone(m, have, i),
    progress: f.length === 0 ? 1 : fileDone(m, have, i) / f.length,
    priority: e.record.priorities?.[i] ?? 'normal',
    pad: f.pad,
  }));
  const trackers = trackerList(e);
  return {
    ...summary(e),
    pieceLength: m.pieceLength,
    pieceCount: m.pieceCount,
    piecesHave: have.count,
    private: m.private,
    comment: m.comment ?? null,
    createdBy: m.createdBy ?? null,
    creationDate: m.creationDate ?? null,
    magnet: e.record.magnet ?? magnetFromMetainfo(m),
    limits: { download: e.record.downloadLimit, upload: e.record.uploadLimit },
    files,
    trackers,
    peerList: e.torrent?.peers ?? [],
    // BEP 19: live status while running, else the URLs from the metainfo.
    webSeeds: e.torrent?.webSeeds ?? m.webSeeds.map((url) => ({ url, state: 'idle', downloaded: 0, downloadRate: 0, hashFailures: 0, error: null })),
    singleHolderRanges: pieceRanges(healthOf(e).singleHolderPieces),
    superSeed: e.record.superSeed === true,
    superSeeding: e.torrent?.superSeeding ?? false,
  };
}

/** What GET /torrents/HASH/health returns (figures from engine/health.ts). */
export interface Health extends HealthFigures {
  infoHash: string;
  /** Pieces held by exactly one peer we see (us included), ascending. */
  singleHolderPieces: number[];
  /** The same as ranges ('0-3,7'), at most 200 ranges. */
  singleHolderRanges: string;
  /** Older names of the same figures (kept for existing clients). */
  local: number;
  available: number;
  minReplication: number;
  distributedCopies: number;
}

/** Swarm health of an entry: the running torrent's view, or only our pieces when stopped. */
export function healthOf(e: Entry, listSingles = true): TorrentHealth {
  const t = e.torrent;
  return t !== undefined ? t.health() : computeHealth(e.have, () => 0, 0, listSingles);
}

/** Swarm health from the connected peers' bitfields (the engine's availability index). */
export function health(e: Entry): Health {
  const h = healthOf(e);
  return {
    infoHash: e.hash,
    ...h,
    singleHolderRanges: pieceRanges(h.singleHolderPieces),
    local: h.localFraction,
    available: h.swarmFraction,
    minReplication: h.leastReplication,
    distributedCopies: h.meanReplication,
  };
}
