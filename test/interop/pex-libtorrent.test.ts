// BEP 11 against a real libtorrent (python3-libtorrent, ut_pex on by default there): libtorrent
// learns a shoal peer's address only from another shoal peer's PEX message and connects to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import type { PeerEvent } from '../../src/engine/index.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, within } from '../engine/engine-fixtures.js';
import { LtPeer, libtorrentMissing } from './peers/libtorrent.js';

const missing = libtorrentMissing();

/** libtorrent's peer ids start with '-LT' (Azureus style). */
function isLibtorrent(peerIdHex: string | undefined): boolean {
  return peerIdHex !== undefined && Buffer.from(peerIdHex, 'hex').toString('latin1').startsWith('-LT');
}

test('libtorrent learns shoal B from shoal A’s PEX and connects to B', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-lt-pex-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'pex', { 'a.bin': 200_000 }, 32768);
  // Nobody has data: nobody completes, so no connection closes as "both seeds" mid-test.
  const cb = new Client({ host: '127.0.0.1' });
  const ca = new Client({ host: '127.0.0.1' });
  t.after(() => Promise.all([ca.close(), cb.close()]));
  const portB = await cb.ready();
  const b = await cb.add(fx.torrent, { path: join(dir, 'b'), announce: false, resume: false });
  // B takes no addresses from anyone, so a connection between B and libtorrent can only be
  // libtorrent dialling B — which it can only do after A's PEX told it B's address.
  b.addFoundPeers = () => {};
  const fromLt = new Promise<PeerEvent>((res) =>
    b.on('peer', (e) => {
      // The 'connect' event comes before the extension handshake: tell libtorrent by its peer id.
      if (e.type === 'connect' && isLibtorrent(e.peerId)) res(e);
    }),
  );
  const portA = await ca.ready();
  const a = await ca.add(fx.torrent, { path: join(dir, 'a'), peers: [`127.0.0.1:${portB}`], announce: false, resume: false });
  a.pex.configure({ firstDelayMs: 0 });
  await within(
    new Promise<void>((res) => a.on('peer', (e) => e.type === 'connect' && e.address === `127.0.0.1:${portB}` && res())),
    10_000,
    'A connects to B',
  );
  const save = join(dir, 'lt');
  await mkdir(save);
  const lt = await LtPeer.start({ torrent: fx.torrentPath, save, mode: 'leech', peers: [`127.0.0.1:${portA}`] });
  t.after(() => lt.stop());
  const e = await within(fromLt, 30_000, 'libtorrent connects to B');
  assert.equal(e.incoming, true, 'libtorrent dialled B');
  assert.ok(a.pex.stats.sent >= 1, 'A sent PEX');
  assert.equal(a.pex.stats.malformed + b.pex.stats.malformed, 0, 'every PEX message from libtorrent parsed');
  const ltAtA = a.peers.find((p) => isLibtorrent(p.peerId));
  assert.ok(ltAtA, 'libtorrent is connected to A too');
});

test('shoal C learns shoal B from libtorrent’s PEX and dials it', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-lt-pex-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'pex', { 'a.bin': 200_000 }, 32768);
  const cb = new Client({ host: '127.0.0.1' });
  const cc = new Client({ host: '127.0.0.1' });
  t.after(() => Promise.all([cc.close(), cb.close()]));
  const portB = await cb.ready();
  const b = await cb.add(fx.torrent, { path: join(dir, 'b'), announce: false, resume: false });
  b.addFoundPeers = () => {}; // B dials nobody: only C can make the C-B connection
  const save = join(dir, 'lt');
  await mkdir(save);
  const lt = await LtPeer.start({ torrent: fx.torrentPath, save, mode: 'leech', peers: [`127.0.0.1:${portB}`] });
  t.after(() => lt.stop());
  await within(new Promise<void>((res) => b.on('peer', (e) => e.type === 'connect' && isLibtorrent(e.peerId) && res())), 15_000, 'libtorrent connects to B');
  const bId = cb.peerId.toString('hex');
  const cc2 = await cc.add(fx.torrent, { path: join(dir, 'c'), peers: [`127.0.0.1:${lt.port}`], announce: false, resume: false });
  const toB = new Promise<PeerEvent>((res) => cc2.on('peer', (e) => e.type === 'connect' && e.peerId === bId && res(e)));
  // libtorrent sends its first ut_pex about a second after the handshake.
  const e = await within(toB, 30_000, 'C connects to B');
  assert.equal(e.incoming, false, 'C dialled B');
  assert.equal(e.address, `127.0.0.1:${portB}`);
  assert.ok(cc2.pex.stats.received >= 1 && cc2.pex.stats.learned >= 1, 'C took B from a PEX message');
  assert.equal(cc2.pex.stats.malformed, 0);
});
