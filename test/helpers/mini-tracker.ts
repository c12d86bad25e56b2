// A tiny in-test HTTP tracker on 127.0.0.1: it answers every announce with the peers the
// test chose (plus, optionally, every peer that announced), and records the announces. It
// exists so clients without a "connect to this peer" option (aria2) can be pointed at a peer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAnnounceQuery, type AnnounceRequest } from '../../src/tracker/protocol/announce.js';
import { encodeCompactPeers, type PeerAddress } from '../../src/tracker/protocol/compact.js';
import { encodeAnnounceCompact, encodeFailure } from '../../src/tracker/protocol/http-response.js';
import { parseQuery } from '../../src/tracker/protocol/query.js';

export interface SeenAnnounce {
  readonly request: AnnounceRequest;
  /** Address of the announcing socket. */
  readonly ip: string;
  readonly at: number;
}

export interface MiniTrackerOptions {
  /** Peers returned to every announce (IPv4 loopback addresses in tests). */
  peers?: PeerAddress[];
  /** Also return every other peer that announced (default false). */
  includeAnnouncers?: boolean;
  /** `interval` in the response, seconds (default 5). */
  interval?: number;
}

export class MiniTracker {
  readonly announces: SeenAnnounce[] = [];
  peers: PeerAddress[];
  private waiters: { pred: (a: SeenAnnounce) => boolean; resolve: (a: SeenAnnounce) => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly opts: MiniTrackerOptions,
  ) {
    this.peers = [...(opts.peers ?? [])];
  }

  /** The announce URL to give a client (or put in a .torrent). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/announce`;
  }

  static async start(opts: MiniTrackerOptions = {}): Promise<MiniTracker> {
    const server = createServer();
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(0, '127.0.0.1', () => res());
    });
    const t = new MiniTracker(server, (server.address() as AddressInfo).port, opts);
    server.on('request', (req, res) => {
      const url = req.url ?? '';
      const q = url.indexOf('?');
      let body: Buffer;
      try {
        if (!url.startsWith('/announce')) throw new Error('only /announce is served');
        const request = parseAnnounceQuery(parseQuery(q >= 0 ? url.slice(q + 1) : ''));
        const seen: SeenAnnounce = { request, ip: req.socket.remoteAddress ?? '', at: Date.now() };
        body = t.answer(seen);
        t.record(seen);
      } catch (e) {
        body = encodeFailure((e as Error).message);
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    });
    return t;
  }

  private answer(seen: SeenAnnounce): Buffer {
    const list = [...this.peers];
    if (this.opts.includeAnnouncers) {
      const me = `${seen.ip}:${seen.request.port}`;
      for (const a of this.announces) {
        const p = { ip: a.ip.replace(/^::ffff:/, ''), port: a.request.port };
        if (`${p.ip}:${p.port}` !== me.replace(/^::ffff:/, '') && !list.some((x) => x.ip === p.ip && x.port === p.port)) list.push(p);
      }
    }
    return encodeAnnounceCompact({ complete: 1, incomplete: 0, downloaded: 0, interval: this.opts.interval ?? 5 }, encodeCompactPeers(list, 4), new Uint8Array(0));
  }

  private record(seen: SeenAnnounce): void {
    this.announces.push(seen);
    this.waiters = this.waiters.filter((w) => (w.pred(seen) ? (w.resolve(seen), false) : true));
  }

  /** The first announce (already seen or future) that matches. */
  next(pred: (a: SeenAnnounce) => boolean = () => true): Promise<SeenAnnounce> {
    const seen = this.announces.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((res) => this.server.close(() => res()));
  }
}
