import { createHash } from 'node:crypto';
import { createClient, RESP_TYPES } from 'redis';
import type { ScrapeEntry, SwarmCounts } from '../../protocol/http-response.js';
import { TrackerServerError } from '../errors.js';
import { STORE_DEFAULTS, type StoreAnnounce, type StoreAnnounceResult, type StoreOptions, type StoreTotals, type SwarmStore } from './interface.js';
import { ANNOUNCE_LUA, SCRAPE_LUA, SWEEP_LUA } from './redis-scripts.js';

export interface RedisStoreOptions extends StoreOptions {
  /** redis://HOST:PORT[/DB] */
  readonly url: string;
  /** Key prefix, so several trackers' data can share one redis. Default "shoal:". */
  readonly prefix?: string;
}

type Reply = Buffer | number | null | Reply[];
const BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

/**
 * A swarm store in redis: several tracker processes pointed at one redis share swarms.
 * Every operation is one Lua script (atomic); peers expire by score, keys by PEXPIRE.
 */
export class RedisStore implements SwarmStore {
  readonly kind = 'redis';
  private readonly client: ReturnType<typeof createClient>;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly maxPeersPerSwarm: number;
  private readonly maxSwarms: number;

  private constructor(opts: RedisStoreOptions) {
    this.client = createClient({ url: opts.url, socket: { reconnectStrategy: (n: number) => Math.min(50 * 2 ** n, 2000) } });
    // A lost connection is retried by the client; errors surface on each command instead.
    this.client.on('error', () => {});
    this.prefix = opts.prefix ?? 'shoal:';
    this.ttlMs = opts.peerTtlMs ?? STORE_DEFAULTS.peerTtlMs;
    this.maxPeersPerSwarm = opts.maxPeersPerSwarm ?? STORE_DEFAULTS.maxPeersPerSwarm;
    this.maxSwarms = opts.maxSwarms ?? STORE_DEFAULTS.maxSwarms;
  }

  static async connect(opts: RedisStoreOptions): Promise<RedisStore> {
    const s = new RedisStore(opts);
    try {
      await s.client.connect();
    } catch (e) {
      throw new TrackerServerError('ETRACKER_STORE', `cannot connect to redis at ${opts.url}: ${(e as Error).message}`);
    }
    return s;
  }

  private keys(h: Uint8Array): [string, string, string, string] {
    const hex = Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex');
    return [`${this.prefix}z:${hex}`, `${this.prefix}h:${hex}`, `${this.prefix}c:${hex}`, hex];
  }

  private async run(script: string, keys: string[], args: (string | Buffer)[]): Promise<Reply> {
    const sha = sha1(script);
    try {
      return await this.client.sendCommand<Reply>(['EVALSHA', sha, String(keys.length), ...keys, ...args], BUFFERS);
    } catch (e) {
      if (!String((e as Error).message).includes('NOSCRIPT')) {
        throw new TrackerServerError('ETRACKER_STORE', `redis: ${(e as Error).message}`);
      }
      return await this.client.sendCommand<Reply>(['EVAL', script, String(keys.length), ...keys, ...args], BUFFERS);
    }
  }

  async announce(a: StoreAnnounce, now: number): Promise<StoreAnnounceResult> {
    const [z, h, c, hex] = this.keys(a.infoHash);
    if (a.event !== 'stopped' && this.maxSwarms < STORE_DEFAULTS.maxSwarms) {
      const n = (await this.client.sendCommand<number>(['SCARD', `${this.prefix}swarms`])) ?? 0;
      const member = await this.client.sendCommand<number>(['SISMEMBER', `${this.prefix}swarms`, hex]);
      if (n >= this.maxSwarms && !member) throw new TrackerServerError('ETRACKER_FULL', 'tracker is full (too many torrents)');
    }
    const val = Buffer.allocUnsafe(21);
    val[0] = a.seeder ? 1 : 0;
    val.set(a.peerId.subarray(0, 20), 1);
    const r = (await this.run(ANNOUNCE_LUA, [z, h, c, `${this.prefix}swarms`], [
      String(now),
      String(now + this.ttlMs),
      Buffer.from(a.addr),
      val,
      a.event,
      String(a.want4),
      String(a.want6),
      hex,
      String(this.ttlMs * 2),
      String(this.maxPeersPerSwarm),
      a.wantPeerIds ? '1' : '0',
    ])) as [number, number, number, Buffer, Buffer, Buffer, Buffer];
    return {
      complete: Math.max(0, r[0]),
      incomplete: Math.max(0, r[1]),
      downloaded: r[2],
      peers4: r[3],
      peers6: r[4],
      peerIds4: a.wantPeerIds ? r[5] : undefined,
      peerIds6: a.wantPeerIds ? r[6] : undefined,
    };
  }

  async scrape(infoHashes: readonly Uint8Array[], now: number): Promise<SwarmCounts[]> {
    return Promise.all(
      infoHashes.map(async (ih) => {
        const [z, h, c] = this.keys(ih);
        const r = (await this.run(SCRAPE_LUA, [z, h, c], [String(now)])) as number[];
        return { complete: Math.max(0, r[0] ?? 0), incomplete: Math.max(0, r[1] ?? 0), downloaded: r[2] ?? 0 };
      }),
    );
  }

  private async hexes(limit: number): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, items] = (await this.client.sendCommand<[string, string[]]>(['SSCAN', `${this.prefix}swarms`, cursor, 'COUNT', '500']));
      cursor = String(next);
      for (const it of items) if (out.length < limit) out.push(String(it));
    } while (cursor !== '0' && out.length < limit);
    return out;
  }

  async list(limit: number, now: number): Promise<ScrapeEntry[]> {
    const hashes = (await this.hexes(limit)).map((h) => Buffer.from(h, 'hex'));
    const counts = await this.scrape(hashes, now);
    return hashes.map((infoHash, i) => ({ infoHash, ...counts[i]! }));
  }

  async totals(now: number): Promise<StoreTotals> {
    const all = await this.list(10_000, now);
    let seeders = 0;
    let leechers = 0;
    for (const e of all) {
      seeders += e.complete;
      leechers += e.incomplete;
    }
    return { torrents: all.length, peers: seeders + leechers, seeders, leechers };
  }

  async sweep(now: number): Promise<number> {
    let removed = 0;
    for (const hex of await this.hexes(1_000_000)) {
      const [z, h, c] = this.keys(Buffer.from(hex, 'hex'));
      removed += (await this.run(SWEEP_LUA, [z, h, c, `${this.prefix}swarms`], [String(now), hex])) as number;
    }
    return removed;
  }

  async close(): Promise<void> {
    try {
      await this.client.close();
    } catch {
      this.client.destroy();
    }
  }
}
