/**
 * The mainline DHT as a PeerDiscovery source: one DhtNode shared by every torrent of a
 * Client. watch() looks the info-hash up at once (announcing our TCP port when the torrent
 * gives one) and again every REPEAT_MS, sooner while nothing was found.
 */
import { DEFAULT_BOOTSTRAP, DhtNode } from '../dht/node.js';
import type { DhtNodeOptions } from '../dht/node.js';
import type { PeerAddress, PeerDiscovery, WatchOptions } from './discovery.js';

export interface DhtDiscoveryOptions extends DhtNodeOptions {
  /** Re-lookup interval (default 5 min). */
  readonly intervalMs?: number;
  /** Re-lookup interval while no peer was found yet (default 30 s). */
  readonly emptyIntervalMs?: number;
  /** Problems worth a line in a log (never thrown). */
  readonly onWarning?: (message: string) => void;
}

export class DhtDiscovery implements PeerDiscovery {
  readonly name = 'dht';
  readonly node: DhtNode;
  private readonly started: Promise<number>;
  private readonly watches = new Set<() => void>();
  private closed = false;

  constructor(private readonly opts: DhtDiscoveryOptions = {}) {
    this.node = new DhtNode(opts);
    this.node.on('warning', (m: string) => opts.onWarning?.(m));
    this.started = this.node.listen();
    // A failed bind surfaces on the first watch (as a warning) and in listen().
    this.started.catch((e: Error) => opts.onWarning?.(`DHT: ${e.message}`));
  }

  /** The UDP port once bound. */
  listen(): Promise<number> {
    return this.started;
  }

  watch(infoHash: Buffer, opts: WatchOptions, onPeers: (peers: readonly PeerAddress[]) => void): () => void {
    const hash = Uint8Array.from(infoHash);
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let found = 0;
    const run = async (): Promise<void> => {
      timer = undefined;
      if (stopped || this.closed) return;
      try {
        await this.started;
        const deliver = (peers: readonly PeerAddress[]): void => {
          if (stopped || peers.length === 0) return;
          found += peers.length;
          onPeers(peers);
        };
        if (opts.port > 0) await this.node.announce(hash, opts.port, deliver);
        else await this.node.lookup(hash, deliver);
      } catch (e) {
        if (!stopped && !this.closed) this.opts.onWarning?.(`DHT lookup: ${(e as Error).message}`);
      }
      if (stopped || this.closed) return;
      timer = setTimeout(() => void run(), found > 0 ? (this.opts.intervalMs ?? 300_000) : (this.opts.emptyIntervalMs ?? 30_000));
      timer.unref();
    };
    void run();
    const stop = (): void => {
      stopped = true;
      if (timer) clearTimeout(timer);
      this.watches.delete(stop);
    };
    this.watches.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.watches]) stop();
    await this.started.catch(() => 0);
    await this.node.close();
  }
}

export { parseNodeAddress } from '../dht/node.js';

/**
 * Bootstrap nodes when the user named none: SHOAL_DHT_BOOTSTRAP (comma-separated, '' for
 * none) wins; under node's test runner (NODE_TEST_CONTEXT) none, so no test ever reaches the
 * internet; else the well-known routers.
 */
export function defaultDhtBootstrap(env: NodeJS.ProcessEnv): string[] {
  const set = env['SHOAL_DHT_BOOTSTRAP'];
  if (set !== undefined) return set.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (env['NODE_TEST_CONTEXT'] !== undefined) return [];
  return [...DEFAULT_BOOTSTRAP];
}
