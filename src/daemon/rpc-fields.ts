import { fileDone, summary } from './describe.js';
import type { Entry } from './entry.js';
import { trackerList } from './trackers.js';
import { magnetFromMetainfo } from '../metainfo/magnet.js';

/** Transmission's tr_torrent_activity values. */
export const TR_STATUS = { stopped: 0, checkWait: 1, check: 2, downloadWait: 3, download: 4, seedWait: 5, seed: 6 } as const;

function status(e: Entry): number {
  switch (e.state) {
    case 'checking':
      return TR_STATUS.check;
    case 'downloading':
    case 'metadata':
      return TR_STATUS.download;
    case 'seeding':
      return TR_STATUS.seed;
    default:
      return TR_STATUS.stopped;
  }
}

const PRIORITY_NUM = { low: -1, normal: 0, high: 1, skip: 0 } as const;

/** Values of Transmission torrent-get fields for one torrent (unknown fields are left out). */
export function trField(e: Entry, field: string, s: ReturnType<typeof summary>): unknown {
  const m = e.meta;
  const pr = e.record.priorities;
  const wanted = (i: number): boolean => pr?.[i] !== 'skip';
  const sizeWhenDone = m.files.reduce((a, f, i) => a + (wanted(i) ? f.length : 0), 0);
  switch (field) {
    case 'id':
      return e.id;
    case 'name':
      return m.name;
    case 'hashString':
      return e.hash;
    case 'status':
      return status(e);
    case 'totalSize':
      return m.totalLength;
    case 'sizeWhenDone':
      return sizeWhenDone;
    case 'leftUntilDone':
      return Math.max(0, Math.round(sizeWhenDone * (1 - s.progress)));
    case 'haveValid':
      return Math.round(sizeWhenDone * s.progress);
    case 'haveUnchecked':
    case 'corruptEver':
    case 'queuePosition':
    case 'webseedsSendingToUs':
    case 'bandwidthPriority':
      return 0;
    case 'desiredAvailable':
      return 0;
    case 'percentDone':
      return e.pending ? 0 : s.progress;
    case 'metadataPercentComplete':
      return e.pending ? s.progress : 1;
    case 'recheckProgress':
      return e.torrent?.recheckProgress ?? (e.state === 'checking' ? 0 : 1);
    case 'rateDownload':
      return Math.round(s.downloadRate);
    case 'rateUpload':
      return Math.round(s.uploadRate);
    case 'eta':
      return s.progress >= 1 ? -1 : s.eta === null ? -2 : s.eta;
    case 'peersConnected':
      return s.peers;
    case 'peersSendingToUs':
      return e.torrent?.peers.filter((p) => p.downloadRate > 0).length ?? 0;
    case 'peersGettingFromUs':
      return e.torrent?.peers.filter((p) => p.uploadRate > 0).length ?? 0;
    case 'uploadedEver':
      return s.uploaded;
    case 'downloadedEver':
      return s.downloaded;
    case 'uploadRatio':
      return s.downloaded > 0 ? s.uploaded / s.downloaded : -1;
    case 'error':
      return e.error !== undefined ? 3 : e.trackerError !== undefined && e.torrent !== undefined ? 2 : 0;
    case 'errorString':
      return e.error ?? (e.torrent !== undefined ? (e.trackerError ?? '') : '');
    case 'isFinished':
      return false;
    case 'isStalled':
      return s.state === 'downloading' && s.downloadRate === 0;
    case 'isPrivate':
      return m.private;
    case 'addedDate':
      return Math.floor(e.record.addedAt / 1000);
    case 'doneDate':
      return e.record.doneAt !== undefined ? Math.floor(e.record.doneAt / 1000) : 0;
    case 'startDate':
      return Math.floor(e.startedAt / 1000);
    case 'activityDate':
      return e.torrent !== undefined ? Math.floor(Date.now() / 1000) : 0;
    case 'dateCreated':
      return m.creationDate ?? 0;
    case 'comment':
      return m.comment ?? '';
    case 'creator':
      return m.createdBy ?? '';
    case 'downloadDir':
      return e.record.downloadDir;
    case 'pieceCount':
      return m.pieceCount;
    case 'pieceSize':
      return m.pieceLength;
    case 'pieces':
      return Buffer.from(e.have.buffer).toString('base64');
    case 'magnetLink':
      return e.record.magnet ?? magnetFromMetainfo(m);
    case 'files':
      return m.files.map((f, i) => ({ name: f.path.join('/'), length: f.length, bytesCompleted: fileDone(m, e.have, i) }));
    case 'fileStats':
      return m.files.map((_, i) => ({ bytesCompleted: fileDone(m, e.have, i), wanted: wanted(i), priority: PRIORITY_NUM[pr?.[i] ?? 'normal'] }));
    case 'wanted':
      return m.files.map((_, i) => (wanted(i) ? 1 : 0));
    case 'priorities':
      return m.files.map((_, i) => PRIORITY_NUM[pr?.[i] ?? 'normal']);
    case 'trackers':
      return m.announce.flatMap((tier, ti) => tier.map((announce, j) => ({ announce, id: ti * 100 + j, scrape: '', tier: ti })));
    case 'trackerStats':
      return trackerStats(e);
    case 'peers':
      return (e.torrent?.peers ?? []).map((p) => ({
        address: p.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
        port: Number(/:(\d+)$/.exec(p.address)?.[1] ?? 0),
        clientName: p.client ?? '',
        isIncoming: p.incoming,
        progress: m.pieceCount ? p.pieces / m.pieceCount : 0,
        rateToClient: Math.round(p.downloadRate),
        rateToPeer: Math.round(p.uploadRate),
        clientIsChoked: p.amChoking,
        clientIsInterested: p.amInterested,
        peerIsChoked: p.peerChoking,
        peerIsInterested: p.peerInterested,
        flagStr: '',
      }));
    case 'downloadLimit':
      return Math.round(e.record.downloadLimit / 1000);
    case 'downloadLimited':
      return e.record.downloadLimit > 0;
    case 'uploadLimit':
      return Math.round(e.record.uploadLimit / 1000);
    case 'uploadLimited':
      return e.record.uploadLimit > 0;
    case 'honorsSessionLimits':
      return true;
    case 'seedRatioLimit':
      return 2;
    case 'seedRatioMode':
    case 'seedIdleMode':
      return 0;
    case 'labels':
      return [];
    case 'secondsDownloading':
    case 'secondsSeeding':
      return e.startedAt ? Math.floor((Date.now() - e.startedAt) / 1000) : 0;
    case 'maxConnectedPeers':
      return 50;
    default:
      return undefined;
  }
}

/** Transmission's tr_tracker_stat list (times in seconds since the epoch, 0 = never). */
function trackerStats(e: Entry): Record<string, unknown>[] {
  const ids = new Map<string, number>();
  e.meta.announce.forEach((tier, ti) => tier.forEach((u, j) => ids.set(`${ti}|${u}`, ti * 100 + j)));
  const sec = (ms: number | null): number => (ms === null ? 0 : Math.floor(ms / 1000));
  return trackerList(e).map((t) => {
    const announced = t.lastAnnounce !== null;
    const ok = t.status === 'ok' || (t.status === 'announcing' && t.error === null && announced);
    return {
      announce: t.url,
      host: safeHost(t.url),
      id: ids.get(`${t.tier}|${t.url}`) ?? 0,
      tier: t.tier,
      isBackup: false,
      // TR_TRACKER_INACTIVE 0, WAITING 1, QUEUED 2, ACTIVE 3
      announceState: t.status === 'inactive' ? 0 : t.status === 'announcing' ? 3 : 1,
      hasAnnounced: announced,
      lastAnnounceTime: sec(t.lastAnnounce),
      lastAnnounceStartTime: sec(t.lastAnnounce),
      lastAnnounceSucceeded: announced && ok,
      lastAnnounceTimedOut: false,
      lastAnnounceResult: !announced ? '' : t.error ?? (t.warning !== null ? `Success (${t.warning})` : 'Success'),
      lastAnnouncePeerCount: t.peers ?? 0,
      nextAnnounceTime: sec(t.nextAnnounce),
      seederCount: t.seeders ?? -1,
      leecherCount: t.leechers ?? -1,
      downloadCount: -1,
      hasScraped: false,
      scrape: '',
      scrapeState: 0,
      lastScrapeResult: '',
      lastScrapeSucceeded: false,
      lastScrapeTime: 0,
      lastScrapeStartTime: 0,
      lastScrapeTimedOut: false,
      nextScrapeTime: 0,
    };
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
