import type { AccessList } from './access-list.js';
import type { Catalog } from './catalog.js';
import type { ResolvedConfig } from './config.js';
import type { TrackerStats } from './stats.js';
import type { SwarmStore } from './store/interface.js';

/** What the HTTP and UDP front ends share. */
export interface TrackerContext {
  readonly cfg: ResolvedConfig;
  readonly store: SwarmStore;
  /** Replaced on reload. */
  access: AccessList;
  readonly stats: TrackerStats;
  readonly catalog: Catalog;
  readonly now: () => number;
}
