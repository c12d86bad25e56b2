import type { Entry } from './entry.js';

/** One tracker of a torrent as the API shows it. */
export interface TrackerView {
  url: string;
  tier: number;
  /** 'inactive' (torrent stopped), 'idle' (not announced yet), 'announcing', 'ok', 'error'. */
  status: string;
  error: string | null;
  warning: string | null;
  /** ms since the epoch. */
  lastAnnounce: number | null;
  nextAnnounce: number | null;
  /** From the last announce's complete / incomplete counts. */
  seeders: number | null;
  leechers: number | null;
  /** Peers the last announce returned. */
  peers: number | null;
}

/** Every tracker of the torrent, with its live status (the engine's announcer) while running. */
export function trackerList(e: Entry): TrackerView[] {
  const t = e.torrent;
  const live = new Map((t?.trackers() ?? []).map((s) => [s.url, s]));
  return e.meta.announce.flatMap((tier, ti) =>
    tier.map((url) => {
      const s = live.get(url);
      return {
        url,
        tier: ti,
        status: t === undefined ? 'inactive' : (s?.state ?? 'idle'),
        error: s?.error ?? null,
        warning: s?.warning ?? null,
        lastAnnounce: s?.lastAnnounce ?? null,
        nextAnnounce: s?.nextAnnounce ?? null,
        seeders: s?.seeders ?? null,
        leechers: s?.leechers ?? null,
        peers: s?.peers ?? null,
      };
    }),
  );
}
