// A peer whose data fails hash checks is banned and the piece is fetched from someone else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import { FsStorage } from '../../src/storage/fs.js';
import type { StorageLayout } from '../../src/storage/interface.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';

/** FsStorage that, once armed, serves piece 2 with one byte flipped. */
class LyingStorage extends FsStorage {
  armed = false;
  override async readPiece(index: number): Promise<Buffer> {
    const b = await super.readPiece(index);
    if (this.armed && index === 2) b[100] = b[100]! ^ 0xff;
    return b;
  }
}

test('bad data: the liar is banned, the download completes from an honest seeder', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-ban-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'ban', { 'a.bin': 600_000 }, 32768);
  const liarClient = new Client({ host: '127.0.0.1' });
  const honestClient = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1' });
  t.after(() => Promise.all([liarClient.close(), honestClient.close(), leecher.close()]));
  let lying: LyingStorage | undefined;
  await liarClient.add(fx.torrent, {
    path: fx.seedDir,
    announce: false,
    resume: false,
    storage: (l: StorageLayout) => (lying = new LyingStorage(l, fx.seedDir)),
  });
  lying!.armed = true;
  const liarAddr = `127.0.0.1:${await liarClient.ready()}`;
  const tor = await leecher.add(fx.torrent, { path: join(dir, 'out'), peers: [liarAddr], announce: false, resume: false });
  const warnings: string[] = [];
  tor.on('warning', (w) => warnings.push(w));
  const banned = new Promise<void>((res) => tor.on('warning', (w) => w.startsWith('banned') && res()));
  await within(banned, 30_000, 'liar banned');
  assert.ok(warnings.some((w) => w.includes('piece 2 failed its hash check')));
  assert.equal(tor.done, false);
  // Piece 2 now comes from an honest seeder; the liar is never dialled again.
  await honestClient.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  tor.addPeer(`127.0.0.1:${await honestClient.ready()}`);
  tor.addPeer(liarAddr);
  await within(tor.whenDone(), 30_000, 'download done');
  assert.ok(tor.peers.every((p) => p.address !== liarAddr));
  const got = await readTree(join(dir, 'out'));
  assert.ok(got.get('ban/a.bin')!.equals((await readTree(fx.seedDir)).get('ban/a.bin')!));
});
