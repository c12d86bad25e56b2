import type { StoreTotals } from './store/interface.js';

/** Counters of one tracker process (read by /stats, /metrics and the library API). */
export class TrackerStats {
  readonly startedAt = Date.now();
  httpAnnounces = 0;
  udpAnnounces = 0;
  httpScrapes = 0;
  udpScrapes = 0;
  udpConnects = 0;
  /** UDP packets dropped without reply (bad connection id, runt, bad protocol id). */
  udpDropped = 0;
  /** Failure responses sent (HTTP failure reason or UDP error). */
  failures = 0;
  httpRequests = 0;
  httpBadRequests = 0;

  snapshot(): Record<string, number> {
    return {
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      httpAnnounces: this.httpAnnounces,
      udpAnnounces: this.udpAnnounces,
      httpScrapes: this.httpScrapes,
      udpScrapes: this.udpScrapes,
      udpConnects: this.udpConnects,
      udpDropped: this.udpDropped,
      failures: this.failures,
      httpRequests: this.httpRequests,
      httpBadRequests: this.httpBadRequests,
    };
  }
}

function metric(out: string[], name: string, type: 'counter' | 'gauge', help: string, rows: [string, number][]): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, v] of rows) out.push(`${name}${labels} ${v}`);
}

/** Prometheus text exposition format (version 0.0.4). */
export function renderMetrics(s: TrackerStats, t: StoreTotals, catalogSize: number): string {
  const out: string[] = [];
  metric(out, 'shoal_tracker_announces_total', 'counter', 'Announces answered.', [
    ['{transport="http"}', s.httpAnnounces],
    ['{transport="udp"}', s.udpAnnounces],
  ]);
  metric(out, 'shoal_tracker_scrapes_total', 'counter', 'Scrapes answered.', [
    ['{transport="http"}', s.httpScrapes],
    ['{transport="udp"}', s.udpScrapes],
  ]);
  metric(out, 'shoal_tracker_udp_connects_total', 'counter', 'UDP connect requests answered.', [['', s.udpConnects]]);
  metric(out, 'shoal_tracker_udp_dropped_total', 'counter', 'UDP packets dropped without a reply.', [['', s.udpDropped]]);
  metric(out, 'shoal_tracker_failures_total', 'counter', 'Failure responses sent.', [['', s.failures]]);
  metric(out, 'shoal_tracker_http_requests_total', 'counter', 'HTTP requests parsed.', [['', s.httpRequests]]);
  metric(out, 'shoal_tracker_torrents', 'gauge', 'Swarms in the store.', [['', t.torrents]]);
  metric(out, 'shoal_tracker_peers', 'gauge', 'Peers in the store.', [
    ['{state="seeder"}', t.seeders],
    ['{state="leecher"}', t.leechers],
  ]);
  metric(out, 'shoal_tracker_catalog_torrents', 'gauge', 'Torrents registered in the catalog.', [['', catalogSize]]);
  const m = process.memoryUsage();
  metric(out, 'shoal_tracker_resident_memory_bytes', 'gauge', 'Resident set size.', [['', m.rss]]);
  metric(out, 'shoal_tracker_uptime_seconds', 'gauge', 'Seconds since start.', [['', Math.floor((Date.now() - s.startedAt) / 1000)]]);
  return out.join('\n') + '\n';
}
