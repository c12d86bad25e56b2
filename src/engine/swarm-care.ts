import { Drainer } from './drain.js';
import type { DrainHost, DrainOptions, DrainResult } from './drain.js';
import { computeHealth, healthFigures } from './health.js';
import type { HealthFigures, TorrentHealth } from './health.js';
import type { PeerConnection } from './peer.js';
import { RareSuggester } from './rare-suggest.js';
import { SuperSeeder } from './superseed.js';

/** What a torrent shows of itself to SwarmCare. */
export interface SwarmView extends DrainHost {
  /** Peers past the handshake, now. */
  readonly peerCount: number;
}

/**
 * A torrent's care for its swarm (issue 6), in one place so the torrent only delegates:
 * health figures (cached for progress events), super-seeding (BEP 16), the drain before
 * leaving, and SUGGESTs of rare pieces while seeding.
 */
export class SwarmCare {
  private readonly view: SwarmView;
  private readonly superSeeder: SuperSeeder | undefined;
  private drainer: Drainer | undefined;
  private readonly rare: RareSuggester;
  private cache: { at: number; figures: HealthFigures } | undefined;

  constructor(view: SwarmView, superSeed: boolean) {
    this.view = view;
    this.superSeeder = superSeed ? new SuperSeeder(view) : undefined;
    this.rare = new RareSuggester(view.have, (i) => view.availability(i));
  }

  /** Replication in the swarm we see, with the single-holder pieces. O(pieces). */
  health(): TorrentHealth {
    const v = this.view;
    return computeHealth(v.have, (i) => v.availability(i), v.peerCount);
  }

  /** The figures without the list, recomputed at most about once a second. */
  figures(now: number): HealthFigures {
    const c = this.cache;
    if (c !== undefined && now - c.at < 900) return c.figures;
    const v = this.view;
    const figures = healthFigures(computeHealth(v.have, (i) => v.availability(i), v.peerCount, false));
    this.cache = { at: now, figures };
    return figures;
  }

  get superSeeding(): boolean {
    return this.superSeeder?.active === true;
  }

  stopSuperSeeding(): void {
    this.superSeeder?.end();
  }

  get draining(): boolean {
    return this.drainer !== undefined && !this.drainer.done;
  }

  /** PeerHost.hidePieces: super-seeding announces nothing at the handshake. */
  get hidePieces(): boolean {
    return this.superSeeder?.active === true;
  }

  /** PeerHost.uploadGate: super-seeding serves only the pieces offered to each peer. */
  get uploadGate(): ((c: PeerConnection, index: number) => boolean) | undefined {
    const s = this.superSeeder;
    return s !== undefined && s.active ? s.gate : undefined;
  }

  onPeerHave(c: PeerConnection, index: number): void {
    this.superSeeder?.onHave(c, index);
    this.drainer?.onHave(c, index);
  }

  peerClosed(c: PeerConnection): void {
    this.superSeeder?.peerClosed(c);
    this.drainer?.peerLeft(c);
  }

  /** While draining the drain chooses whom to unchoke: true when it did (skip the choker). */
  rechoke(peers: Iterable<PeerConnection>): boolean {
    const d = this.drainer;
    if (d === undefined || d.done) return false;
    d.rechoke(peers);
    return true;
  }

  /** The torrent's tick: super-seed offers, drain progress, rare-piece suggestions. */
  tick(now: number, complete: boolean): void {
    this.superSeeder?.tick();
    this.drainer?.step(now);
    if (complete && this.superSeeder?.active !== true && this.drainer === undefined) this.rare.tick(this.view.readyPeers(), now);
  }

  /**
   * Runs a drain (see Torrent.drain); `running` false (paused, checking, closed) ends it at
   * once with what is at risk. `rechoke` runs the torrent's choker again afterwards.
   */
  async drain(opts: DrainOptions, running: boolean, rechoke: () => void): Promise<DrainResult> {
    const current = this.drainer;
    if (current !== undefined && !current.done) return current.result;
    if (!running) return new Drainer(this.view, { ...opts, timeoutMs: 0 }, performance.now()).result;
    this.superSeeder?.end();
    const d = new Drainer(this.view, opts, performance.now());
    this.drainer = d;
    if (!d.done) d.rechoke(this.view.readyPeers());
    const result = await d.result;
    if (this.drainer === d) this.drainer = undefined;
    rechoke();
    return result;
  }

  /** The torrent is closing: a running drain ends ('closed'). */
  cancel(): void {
    this.drainer?.cancel();
  }
}
