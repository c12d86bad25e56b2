import { randomBytes } from 'node:crypto';
import type { AnnounceEvent, AnnounceRequest, PeerAddress } from '../protocol/index.js';
import { TrackerClientError } from './errors.js';
import { HttpTrackerTransport } from './http.js';
import type { AnnounceResult, TrackerTransport } from './types.js';
import { UdpTrackerTransport } from './udp.js';

export interface TransferStats {
  readonly uploaded: number;
  readonly downloaded: number;
  readonly left: number;
}

export interface AnnouncerOptions {
  /** announce-list tiers (BEP 12). */
  readonly tiers: readonly (readonly string[])[];
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
  /** The port we accept peers on. */
  readonly port: number;
  readonly stats: () => TransferStats;
  readonly onPeers: (peers: PeerAddress[], url: string) => void;
  readonly onError?: (err: TrackerClientError) => void;
  readonly numWant?: number;
  readonly http?: TrackerTransport;
  readonly udp?: TrackerTransport;
  /** Request time limit (HTTP) / first UDP retransmit timeout, ms. */
  readonly timeoutMs?: number;
  /** Floor on re-announce intervals, seconds (default 30); tests may lower it. */
  readonly minIntervalFloor?: number;
}

export interface TrackerStatus {
  readonly url: string;
  readonly tier: number;
  readonly state: 'idle' | 'announcing' | 'ok' | 'error';
  readonly lastAnnounce?: number;
  readonly nextAnnounce?: number;
  readonly seeders?: number;
  readonly leechers?: number;
  readonly peers?: number;
  readonly error?: string;
  readonly warning?: string;
}

interface TrackerState {
  url: string;
  state: TrackerStatus['state'];
  lastAnnounce?: number;
  seeders?: number;
  leechers?: number;
  peers?: number;
  error?: string;
  warning?: string;
  trackerId?: string;
}

/**
 * One torrent's announces. Every tier is announced to in parallel (as libtorrent does
 * by default), and within a tier trackers are tried in order, a working one moving to
 * the front (BEP 12). Trackers in a tier are shuffled once at start.
 */
export class Announcer {
  private readonly tiers: { trackers: TrackerState[]; timer?: NodeJS.Timeout; next?: number; minInterval: number; interval: number; busy: boolean; fails: number }[];
  private readonly key = randomBytes(4).toString('hex');
  private readonly http: TrackerTransport;
  private readonly udp: TrackerTransport;
  private readonly ownsUdp: boolean;
  private started = false;
  private stopped = false;
  private completedSent = false;

  constructor(private readonly opts: AnnouncerOptions) {
    this.http = opts.http ?? new HttpTrackerTransport();
    this.ownsUdp = opts.udp === undefined;
    this.udp = opts.udp ?? new UdpTrackerTransport();
    this.tiers = opts.tiers
      .map((tier) => shuffle(tier.filter((u) => /^(https?|udp):\/\//i.test(u)).map((url) => ({ url, state: 'idle' as const }))))
      .filter((t) => t.length > 0)
      .map((trackers) => ({ trackers, minInterval: 0, interval: 1800, busy: false, fails: 0 }));
  }

  get trackerCount(): number {
    return this.tiers.reduce((n, t) => n + t.trackers.length, 0);
  }

  /** Announces `started` to every tier. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.tiers.length; i++) void this.announceTier(i, 'started');
  }

  /** Announces `completed` once, when the download finishes. */
  completed(): void {
    if (!this.started || this.completedSent || this.stopped) return;
    this.completedSent = true;
    for (let i = 0; i < this.tiers.length; i++) void this.announceTier(i, 'completed');
  }

  /** Asks every tier for more peers now, as long as its min interval allows. */
  wantPeers(): void {
    if (!this.started || this.stopped) return;
    const now = Date.now();
    this.tiers.forEach((t, i) => {
      const last = t.trackers[0]?.lastAnnounce ?? 0;
      if (!t.busy && now - last >= Math.max(t.minInterval, this.floor()) * 1000) void this.announceTier(i, 'none');
    });
  }

  /** Announces `stopped` (bounded by `timeoutMs`) and cancels every timer. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.tiers) clearTimeout(t.timer);
    if (this.started) {
      await Promise.all(
        this.tiers.map(async (t) => {
          const tr = t.trackers.find((x) => x.state === 'ok') ?? t.trackers[0];
          if (tr) await this.send(tr, 'stopped', timeoutMs).catch(() => {});
        }),
      );
    }
    if (this.ownsUdp) (this.udp as UdpTrackerTransport).close();
  }

  status(): TrackerStatus[] {
    const out: TrackerStatus[] = [];
    this.tiers.forEach((t, tier) => {
      for (const tr of t.trackers) {
        out.push({
          url: tr.url,
          tier,
          state: tr.state,
          ...(tr.lastAnnounce !== undefined && { lastAnnounce: tr.lastAnnounce }),
          ...(t.next !== undefined && tr === t.trackers[0] && { nextAnnounce: t.next }),
          ...(tr.seeders !== undefined && { seeders: tr.seeders }),
          ...(tr.leechers !== undefined && { leechers: tr.leechers }),
          ...(tr.peers !== undefined && { peers: tr.peers }),
          ...(tr.error !== undefined && { error: tr.error }),
          ...(tr.warning !== undefined && { warning: tr.warning }),
        });
      }
    });
    return out;
  }

  private floor(): number {
    return this.opts.minIntervalFloor ?? 30;
  }

  private async announceTier(index: number, event: AnnounceEvent): Promise<void> {
    const tier = this.tiers[index]!;
    if (tier.busy || this.stopped) return;
    tier.busy = true;
    clearTimeout(tier.timer);
    let ok = false;
    for (let i = 0; i < tier.trackers.length && !this.stopped; i++) {
      const tr = tier.trackers[i]!;
      try {
        const res = await this.send(tr, event, this.opts.timeoutMs);
        ok = true;
        tier.interval = Math.max(res.interval, this.floor());
        tier.minInterval = res.minInterval ?? 0;
        // BEP 12: a tracker that answers moves to the front of its tier.
        if (i > 0) tier.trackers.unshift(...tier.trackers.splice(i, 1));
        if (!this.stopped && res.peers.length > 0) this.opts.onPeers(res.peers, tr.url);
        break;
      } catch (e) {
        const err = e instanceof TrackerClientError ? e : new TrackerClientError(`${tr.url}: ${(e as Error).message}`, tr.url);
        this.opts.onError?.(err);
      }
    }
    tier.busy = false;
    if (this.stopped) return;
    // On failure retry sooner, backing off from one minute; on success use the interval.
    tier.fails = ok ? 0 : tier.fails + 1;
    const delay = ok ? tier.interval : Math.min(1800, 60 * 2 ** Math.min(5, tier.fails - 1));
    tier.next = Date.now() + delay * 1000;
    tier.timer = setTimeout(() => void this.announceTier(index, 'none'), delay * 1000);
    tier.timer.unref();
  }

  private async send(tr: TrackerState, event: AnnounceEvent, timeoutMs: number | undefined): Promise<AnnounceResult> {
    const s = this.opts.stats();
    const req: AnnounceRequest = {
      infoHash: this.opts.infoHash,
      peerId: this.opts.peerId,
      port: this.opts.port,
      uploaded: s.uploaded,
      downloaded: s.downloaded,
      left: s.left,
      event,
      numWant: event === 'stopped' ? 0 : (this.opts.numWant ?? 80),
      compact: true,
      noPeerId: true,
      key: this.key,
      trackerId: tr.trackerId,
    };
    const transport = tr.url.startsWith('udp:') ? this.udp : this.http;
    tr.state = 'announcing';
    try {
      const res = await transport.announce(tr.url, req, timeoutMs !== undefined ? { timeoutMs } : {});
      Object.assign(tr, { state: 'ok', lastAnnounce: Date.now(), seeders: res.seeders, leechers: res.leechers, peers: res.peers.length, warning: res.warning, error: undefined });
      if (res.trackerId) tr.trackerId = res.trackerId;
      return res;
    } catch (e) {
      tr.state = 'error';
      tr.lastAnnounce = Date.now();
      tr.error = (e as Error).message;
      throw e;
    }
  }
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
