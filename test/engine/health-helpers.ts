// Small swarms of shoal clients on 127.0.0.1 whose members hold known files of one torrent
// (for the swarm-health, drain and super-seed tests).
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Client } from '../../src/engine/index.js';
import type { Torrent } from '../../src/engine/index.js';
import type { AddOptions } from '../../src/engine/types.js';
import { makeFixture } from './engine-fixtures.js';
import type { Fixture } from './engine-fixtures.js';

/** A torrent of `files` files of `piecesPerFile` whole pieces each: file f is pieces [f*k, (f+1)*k). */
export function alignedFixture(dir: string, files: number, piecesPerFile: number, pieceLength: number): Promise<Fixture> {
  const spec: Record<string, number> = {};
  for (let f = 0; f < files; f++) spec[`f${f}.bin`] = piecesPerFile * pieceLength;
  return makeFixture(dir, 'aligned', spec, pieceLength);
}

export interface Member {
  /** File indexes it starts with, or 'all' (a seeder reading the fixture's own folder). */
  readonly holds: readonly number[] | 'all';
  /** Only its own files are wanted at first (no transfer until `select()`). Default true. */
  readonly selectOwn?: boolean;
  readonly add?: Partial<AddOptions>;
}

export interface SwarmHandle {
  readonly clients: Client[];
  readonly torrents: Torrent[];
  readonly ports: number[];
}

/**
 * One client per member, each connected to every earlier one. Member folders get copies of
 * the files they hold (checked at start-up, so their bitfields are exactly those files).
 */
export async function startSwarm(t: TestContext, dir: string, fx: Fixture, members: readonly Member[]): Promise<SwarmHandle> {
  const clients: Client[] = [];
  const torrents: Torrent[] = [];
  const ports: number[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const files = fx.meta.files;
  for (let k = 0; k < members.length; k++) {
    const m = members[k]!;
    const client = new Client({ host: '127.0.0.1' });
    clients.push(client);
    ports.push(await client.ready());
    let path = fx.seedDir;
    const add: AddOptions = { path, announce: false, resume: false, ...m.add, peers: [...ports.slice(0, k).map((p) => `127.0.0.1:${p}`), ...(m.add?.peers ?? [])] };
    if (m.holds !== 'all') {
      path = join(dir, `member${k}`);
      const top = join(path, fx.meta.name);
      await mkdir(top, { recursive: true });
      for (const f of m.holds) await cp(join(fx.seedDir, fx.meta.name, files[f]!.path.slice(1).join('/')), join(top, files[f]!.path.slice(1).join('/')));
      Object.assign(add, { path, ...(m.selectOwn !== false && m.holds.length > 0 && { select: [...m.holds] }) });
    }
    torrents.push(await client.add(fx.torrent, add));
  }
  return { clients, torrents, ports };
}

/** Resolves once `pred()` holds (checked every 20 ms); rejects after `ms` (a safety net). */
export function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const check = (): void => {
      let ok = false;
      try {
        ok = pred();
      } catch (e) {
        reject(e as Error);
        return;
      }
      if (ok) resolve();
      else if (performance.now() - start > ms) reject(new Error(`timed out after ${ms} ms: ${what}`));
      else setTimeout(check, 20);
    };
    check();
  });
}

/** Pieces of file f in an aligned fixture. */
export function filePieces(f: number, piecesPerFile: number): number[] {
  return Array.from({ length: piecesPerFile }, (_, j) => f * piecesPerFile + j);
}

/** Resolves once the async `pred()` holds (checked again 50 ms after each answer); rejects after `ms`. */
export async function untilAsync(pred: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const start = performance.now();
  for (;;) {
    if (await pred()) return;
    if (performance.now() - start > ms) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
