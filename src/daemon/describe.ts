import type { Bitfield } from '../core/bitfield.js';
import { magnetFromMetainfo } from '../metainfo/magnet.js';
import { filePieceRange, pieceSize } from '../metainfo/layout.js';
import type { Metainfo } from '../metainfo/types.js';
import type { Entry } from './entry.js';

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
  size: number;
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
  const trackers = m.announce.flatMap((tier, ti) =>
    tier.map((url) => ({
      url,
      tier: ti,
      status: e.torrent === undefined ? 'inactive' : e.trackerError !== undefined ? 'error' : 'active',
      error: e.trackerError ?? null,
    })),
  );
  return {
    ...summary(e),
    pieceLength: m.pieceLength,
    pieceCount: m.pieceCount,
    piecesHave: have.count,
    private: m.private,
    comment: m.comment ?? null,
    createdBy: m.createdBy ?? null,
    creationDate: m.creationDate ?? null,
    magnet: magnetFromMetainfo(m),
    limits: { download: e.record.downloadLimit, upload: e.record.uploadLimit },
    files,
    trackers,
    peerList: e.torrent?.peers ?? [],
  };
}

export interface Health {
  infoHash: string;
  pieceCount: number;
  /** Peers whose bitfields are counted. */
  peers: number;
  /** Fraction of pieces we hold. */
  local: number;
  /** Fraction of pieces held by at least one peer we see, or by us. */
  available: number;
  /** Copies of the rarest piece (us included). */
  minReplication: number;
  /** Mean copies per piece (us included). */
  meanReplication: number;
  /** libtorrent-style distributed copies: min copies + fraction of pieces above that minimum. */
  distributedCopies: number;
}

/** Swarm health from the connected peers' bitfields (the engine's availability index). */
export function health(e: Entry): Health {
  const n = e.meta.pieceCount;
  const have = e.have;
  const t = e.torrent;
  let min = Infinity;
  let sum = 0;
  let avail = 0;
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const c = (have.get(i) ? 1 : 0) + (t !== undefined ? t.picker.availability(i) : 0);
    counts[i] = c;
    if (c > 0) avail++;
    if (c < min) min = c;
    sum += c;
  }
  if (n === 0) min = 0;
  let above = 0;
  for (let i = 0; i < n; i++) if (counts[i]! > min) above++;
  return {
    infoHash: e.hash,
    pieceCount: n,
    peers: t?.peers.length ?? 0,
    local: n ? have.count / n : 1,
    available: n ? avail / n : 1,
    minReplication: min,
    meanReplication: n ? sum / n : 0,
    distributedCopies: n ? min + above / n : 0,
  };
}
