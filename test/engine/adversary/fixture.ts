// Shared set-up of the adversary tests: a small multi-file torrent and its swarm view.
import { tempDir } from '../../helpers/cli.js';
import { makeFixture, type Fixture } from '../../helpers/torrent-fixture.js';
import { swarmOf, type Swarm } from './behaviours.js';
import type { ScriptedConn, ScriptedServer } from './scripted-peer.js';

export interface AdversaryFixture {
  dir: string;
  fx: Fixture;
  swarm: Swarm;
  cleanup: () => Promise<void>;
}

/** ~2.3 MiB in 64 KiB pieces across three files (odd sizes, so the last piece is short). */
export async function adversaryFixture(): Promise<AdversaryFixture> {
  const { dir, cleanup } = await tempDir('shoal-adversary-');
  const fx = await makeFixture(dir, {
    name: 'target',
    pieceLength: 1 << 16,
    files: [
      { path: 'one.bin', size: 1_500_001 },
      { path: 'dir/two.bin', size: 900_123 },
      { path: 'three.txt', size: 333 },
    ],
  });
  return { dir, fx, swarm: swarmOf(fx.meta, fx.content), cleanup };
}

/** Resolves when the server's first connection has been closed (by the other side or us). */
export async function firstClosed(s: ScriptedServer): Promise<ScriptedConn> {
  const c = await s.firstConnection();
  await c.closed;
  return c;
}

/** Resolves when `c` closes; rejects with `what` after `ms`. */
export function closedWithin(c: ScriptedConn, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    c.closed,
    new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${what}: connection still open after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
