import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { PeerAddress, PeerDiscovery, WatchOptions } from './discovery.js';
import { LSD_IPV4_GROUP, LSD_IPV6_GROUP, LSD_PORT, LsdError, lsdHost, lsdPackets, parseLsd } from './lsd-message.js';
import { plainIp } from './swarm.js';

export interface LsdOptions {
  /** Multicast group (default 239.192.152.143; 'ff15::efc0:988f' for IPv6). */
  readonly group?: string;
  /** UDP port announces go to and are received on (default 6771). Tests pick their own. */
  readonly port?: number;
  /** Local address of the interface multicast goes out of and is joined on (e.g. '127.0.0.1'). Default: the OS's choice. */
  readonly interface?: string;
  /** Receive multicast sent from this host (other clients here; our own are filtered by cookie). Default true. */
  readonly loopback?: boolean;
  /** IP_MULTICAST_TTL (default 1: this network only). */
  readonly ttl?: number;
  /**
   * Send announces to this address instead of the group (a unicast or broadcast fallback
   * where multicast does not work); the socket still receives on `port` and joins the group.
   */
  readonly target?: { readonly host: string; readonly port: number };
  /** Address the receiving socket binds (default '0.0.0.0', '::' for an IPv6 group). */
  readonly bind?: string;
  /** Re-announce period per torrent, ms (default 5 min, BEP 14). */
  readonly announceIntervalMs?: number;
  /** A torrent is announced at most once per this, ms, even when watched again (default 60 s). */
  readonly minAnnounceIntervalMs?: number;
  /** Least time between two packets we send, ms (default 250). */
  readonly sendGapMs?: number;
  /** Announces accepted per source address per 10 s; more are dropped (default 20). */
  readonly maxPerSource?: number;
  /** Told about bind failures and dropped packets (the library never prints). */
  readonly onWarning?: (message: string) => void;
}

/** Counters, for tests and status pages. */
export interface LsdStats {
  sent: number;
  received: number;
  own: number;
  malformed: number;
  limited: number;
  found: number;
}

interface Watch {
  readonly hex: string;
  readonly port: number;
  readonly onPeers: (peers: readonly PeerAddress[]) => void;
  nextAt: number;
  lastAt: number;
}

const RATE_WINDOW_MS = 10_000;
const MAX_SOURCES = 1024;
const CHECK_MS = 1000;

/**
 * BEP 14 local service discovery as a PeerDiscovery: BT-SEARCH announces multicast on the
 * local network, at once when a torrent is watched and every 5 minutes, several info-hashes
 * per packet, rate-limited; announces from others (never our own: cookie) for watched
 * torrents become found peers at the sender's address. The socket opens on the first watch().
 * Pass it in ClientOptions.discovery; private torrents never reach it.
 */
export class LsdDiscovery implements PeerDiscovery {
  readonly name = 'lsd';
  readonly stats: LsdStats = { sent: 0, received: 0, own: 0, malformed: 0, limited: 0, found: 0 };
  /** Our cookie: announces carrying it are ours (looped back) and ignored. */
  readonly cookie = randomBytes(8).toString('hex');
  private readonly opts: LsdOptions;
  private readonly group: string;
  private readonly port: number;
  private readonly watches = new Set<Watch>();
  private readonly sources = new Map<string, { at: number; n: number }>();
  private socket: Socket | undefined;
  private bound: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sendTimer: NodeJS.Timeout | undefined;
  private queue: { port: number; hex: string }[] = [];
  private lastSend = -Infinity;
  private closed = false;
  /** The socket is bound and has joined the group. */
  private joined = false;

  constructor(opts: LsdOptions = {}) {
    this.opts = opts;
    this.group = opts.group ?? LSD_IPV4_GROUP;
    this.port = opts.port ?? LSD_PORT;
  }

  /** Opens the socket (done by the first watch()); rejects with LsdError when it cannot bind or join. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new LsdError('LSD is closed'));
    this.bound ??= this.open();
    return this.bound;
  }

  watch(infoHash: Buffer, opts: WatchOptions, onPeers: (peers: readonly PeerAddress[]) => void): () => void {
    const w: Watch = { hex: infoHash.toString('hex'), port: opts.port, onPeers, nextAt: 0, lastAt: -Infinity };
    this.watches.add(w);
    this.start().catch((e: Error) => this.warn(e.message));
    if (this.timer === undefined && !this.closed) {
      this.timer = setInterval(() => this.due(performance.now()), CHECK_MS);
      this.timer.unref();
    }
    this.due(performance.now());
    return () => {
      this.watches.delete(w);
      this.queue = this.queue.filter((q) => this.watchedAt(q.hex, q.port));
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.sendTimer);
    this.watches.clear();
    this.queue = [];
    await this.bound?.catch(() => {});
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((res) => s.close(() => res()));
  }

  private warn(message: string): void {
    this.opts.onWarning?.(`lsd: ${message}`);
  }

  private open(): Promise<void> {
    const v6 = isIPv6(this.group);
    const s = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true });
    this.socket = s;
    s.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    return new Promise<void>((resolve, reject) => {
      const fail = (e: Error): void => {
        this.socket = undefined;
        s.close();
        reject(new LsdError(`cannot open ${lsdHost(this.group, this.port)}: ${e.message}`, { group: this.group, port: this.port }));
      };
      s.once('error', fail);
      s.bind({ port: this.port, address: this.opts.bind ?? (v6 ? '::' : '0.0.0.0'), exclusive: false }, () => {
        try {
          s.addMembership(this.group, this.opts.interface);
          if (this.opts.interface !== undefined) s.setMulticastInterface(this.opts.interface);
          s.setMulticastLoopback(this.opts.loopback ?? true);
          s.setMulticastTTL(this.opts.ttl ?? 1);
        } catch (e) {
          return fail(e as Error);
        }
        s.off('error', fail);
        s.on('error', (e) => this.warn(e.message));
        this.joined = true;
        if (this.closed) {
          this.socket = undefined;
          s.close();
        }
        resolve();
        this.flush();
      });
    });
  }

  private watchedAt(hex: string, port: number): boolean {
    for (const w of this.watches) if (w.hex === hex && w.port === port) return true;
    return false;
  }

  /** Queues announces for torrents that are due. */
  private due(now: number): void {
    if (this.closed) return;
    const every = this.opts.announceIntervalMs ?? 300_000;
    const floor = this.opts.minAnnounceIntervalMs ?? 60_000;
    for (const w of this.watches) {
      if (w.port <= 0 || now < w.nextAt) continue;
      // Another watch of the same torrent and port announced lately: share its schedule.
      let last = w.lastAt;
      for (const o of this.watches) if (o.hex === w.hex && o.port === w.port && o.lastAt > last) last = o.lastAt;
      if (now - last < floor) {
        w.nextAt = last + floor;
        continue;
      }
      w.lastAt = now;
      w.nextAt = now + every;
      if (!this.queue.some((q) => q.hex === w.hex && q.port === w.port)) this.queue.push({ hex: w.hex, port: w.port });
    }
    this.flush();
  }

  /** Sends queued announces as packets, one per sendGapMs. */
  private flush(): void {
    const s = this.socket;
    if (!s || !this.joined || this.closed || this.queue.length === 0 || this.sendTimer !== undefined) return;
    const now = performance.now();
    const gap = this.opts.sendGapMs ?? 250;
    const wait = this.lastSend + gap - now;
    if (wait > 0) {
      this.sendTimer = setTimeout(() => {
        this.sendTimer = undefined;
        this.flush();
      }, wait);
      this.sendTimer.unref();
      return;
    }
    const port = this.queue[0]!.port;
    const hexes = this.queue.filter((q) => q.port === port).map((q) => q.hex);
    const host = lsdHost(this.group, this.port);
    const first = lsdPackets(host, port, hexes, this.cookie)[0]!;
    const packet = first.bytes;
    const sent = new Set(first.infoHashes);
    this.queue = this.queue.filter((q) => !(q.port === port && sent.has(q.hex)));
    this.lastSend = now;
    const to = this.opts.target ?? { host: this.group, port: this.port };
    s.send(packet, to.port, to.host, (e) => {
      if (e) this.warn(`send failed: ${e.message}`);
      else this.stats.sent++;
    });
    if (this.queue.length > 0) this.flush();
  }

  private limited(ip: string, now: number): boolean {
    let r = this.sources.get(ip);
    if (r === undefined || now - r.at > RATE_WINDOW_MS) {
      if (r === undefined && this.sources.size >= MAX_SOURCES) {
        for (const [k, v] of this.sources) if (now - v.at > RATE_WINDOW_MS) this.sources.delete(k);
        if (this.sources.size >= MAX_SOURCES) return true;
      }
      r = { at: now, n: 0 };
      this.sources.set(ip, r);
    }
    return ++r.n > (this.opts.maxPerSource ?? 20);
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    const ip = plainIp(rinfo.address);
    if (this.limited(ip, performance.now())) {
      this.stats.limited++;
      return;
    }
    let a;
    try {
      a = parseLsd(msg);
    } catch {
      this.stats.malformed++;
      return;
    }
    if (a.cookie === this.cookie) {
      this.stats.own++;
      return;
    }
    this.stats.received++;
    const peer: PeerAddress = { host: ip, port: a.port };
    const hashes = new Set(a.infoHashes);
    for (const w of [...this.watches]) {
      if (!hashes.has(w.hex)) continue;
      this.stats.found++;
      w.onPeers([peer]);
    }
  }
}
