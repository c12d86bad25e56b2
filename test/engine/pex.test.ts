import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import type { Torrent } from '../../src/engine/index.js';
import type { PeerAddress } from '../../src/engine/discovery.js';
import { LOCAL_EXT_IDS } from '../../src/engine/features.js';
import { createTorrent } from '../../src/metainfo/create.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { INTERESTED, encodeExtended } from '../../src/wire/encode.js';
import { decodePex, encodePex, PexFlags, type PexPeer } from '../../src/wire/pex.js';
import { tempDir } from '../helpers/cli.js';
import { within } from './engine-fixtures.js';
import { RawPeer } from './pex-raw-peer.js';

const FAST = { firstDelayMs: 0, intervalMs: 500, minReceiveIntervalMs: 0 };

async function torrentOf(dir: string, priv: boolean): Promise<Metainfo> {
  const src = join(dir, 'src');
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'data.bin'), randomBytes(200_000));
  const res = await createTorrent(join(src, 'data.bin'), { pieceLength: 32768, threads: 1, creationDate: false, private: priv });
  return parseTorrent(res.torrent);
}

/** A client holding `meta` with nothing downloaded (so nobody completes and connections stay). */
async function member(dir: string, name: string, meta: Metainfo, peers: string[], clients: Client[]): Promise<{ client: Client; t: Torrent; port: number }> {
  const client = new Client({ host: '127.0.0.1' });
  clients.push(client);
  const port = await client.ready();
  const t = await client.add(meta, { path: join(dir, name), peers, announce: false, resume: false });
  t.pex.configure(FAST);
  return { client, t, port };
}

function connectedTo(t: Torrent, port: number): Promise<void> {
  return waitPeer(t, (e) => e.address === `127.0.0.1:${port}`);
}

/** Resolves once a ready peer matches (already connected, or on its 'connect' event). */
function waitPeer(t: Torrent, pred: (e: { address: string; peerId: string | undefined }) => boolean): Promise<void> {
  return new Promise((res) => {
    if (t.peers.some(pred)) return res();
    const on = (e: { type: string; address: string; peerId: string | undefined }): void => {
      if (e.type === 'connect' && pred(e)) {
        t.off('peer', on);
        res();
      }
    };
    t.on('peer', on);
  });
}

test('three clients: C knows only A, learns B through A’s PEX and connects to it', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-pex-');
  t.after(cleanup);
  const clients: Client[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const meta = await torrentOf(dir, false);
  const b = await member(dir, 'b', meta, [], clients);
  const a = await member(dir, 'a', meta, [`127.0.0.1:${b.port}`], clients);
  await within(connectedTo(a.t, b.port), 10_000, 'A connects to B');
  const c = await member(dir, 'c', meta, [`127.0.0.1:${a.port}`], clients);
  // A tells C about B and B about C: either may dial first (a simultaneous open can cost a
  // retry), so the test waits for C and B to be connected, whoever dialled.
  const bId = b.client.peerId.toString('hex');
  await within(waitPeer(c.t, (e) => e.peerId === bId), 20_000, 'C connected to B after PEX');
  assert.ok(c.t.pex.stats.received >= 1, 'C received a PEX message');
  assert.ok(c.t.pex.stats.learned >= 1, 'C learned an address');
  assert.ok(a.t.pex.stats.sent >= 2, 'A sent PEX to B and to C');
  assert.ok(b.t.pex.stats.learned >= 1, 'B learned C');
});

test('a flood of 1000 added peers adds at most 50; a second message within the interval is ignored; our own address is never added', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-pex-');
  t.after(cleanup);
  const clients: Client[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const meta = await torrentOf(dir, false);
  const a = await member(dir, 'a', meta, [], clients);
  a.t.pex.configure({ minReceiveIntervalMs: 60_000 });
  const got: PeerAddress[][] = [];
  let arrived: () => void = () => {};
  const first = new Promise<void>((r) => (arrived = r));
  const orig = a.t.addFoundPeers.bind(a.t);
  a.t.addFoundPeers = (peers) => {
    got.push([...peers]);
    arrived();
    orig(peers);
  };
  const raw = await RawPeer.open(a.port, meta.infoHash.bytes, { ut_pex: 7 });
  t.after(() => raw.close());
  assert.equal(raw.ext!.m.get('ut_pex'), LOCAL_EXT_IDS.ut_pex, 'shoal advertises ut_pex');
  // Ourselves first (must be skipped), then 1000 others on closed loopback ports.
  const flood: PexPeer[] = [{ host: '127.0.0.1', port: a.port, family: 4, flags: 0 }];
  for (let i = 0; i < 1000; i++) flood.push({ host: `127.0.${1 + (i >> 8)}.${i & 0xff || 1}`, port: 1024 + i, family: 4, flags: 0 });
  raw.sendExtended(LOCAL_EXT_IDS.ut_pex!, encodePex({ added: flood, dropped: [] }));
  await within(first, 10_000, 'flood handled');
  assert.equal(got.length, 1);
  assert.ok(got[0]!.length <= 50, `added ${got[0]!.length}`);
  assert.ok(!got[0]!.some((p) => p.port === a.port && p.host === '127.0.0.1'), 'our own address was dropped');
  // A second flood right away, then INTERESTED: shoal's UNCHOKE answers it, so the flood before it was handled.
  const again = encodeExtended(LOCAL_EXT_IDS.ut_pex!, encodePex({ added: flood.slice(1, 40).map((p) => ({ ...p, port: p.port + 5000 })), dropped: [] }));
  raw.write(Buffer.concat([again, INTERESTED]));
  await within(raw.until(() => raw.messages.some((m) => m.type === 'unchoke') || raw.closed), 10_000, 'unchoke after interested');
  assert.equal(got.length, 1, 'the too-early second message was ignored');
  assert.equal(a.t.pex.stats.ignored, 1);
  assert.equal(raw.closed, false);
});

test('a malformed ut_pex payload closes the connection', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-pex-');
  t.after(cleanup);
  const clients: Client[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const meta = await torrentOf(dir, false);
  const a = await member(dir, 'a', meta, [], clients);
  for (const bad of [Buffer.from('not bencode'), Buffer.from('d5:added5:abcdee'), Buffer.from('li1ee')]) {
    const raw = await RawPeer.open(a.port, meta.infoHash.bytes, { ut_pex: 3 });
    raw.sendExtended(LOCAL_EXT_IDS.ut_pex!, bad);
    await within(raw.until(() => raw.closed), 10_000, `closed after ${bad.toString()}`);
    raw.close();
  }
  assert.equal(a.t.pex.stats.malformed, 3);
});

test('PEX sends what the peer does not know yet: added with flags, dropped when a peer leaves', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-pex-');
  t.after(cleanup);
  const clients: Client[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const meta = await torrentOf(dir, false);
  const b = await member(dir, 'b', meta, [], clients);
  const a = await member(dir, 'a', meta, [`127.0.0.1:${b.port}`], clients);
  await within(connectedTo(a.t, b.port), 10_000, 'A connects to B');
  const raw = await RawPeer.open(a.port, meta.infoHash.bytes, { ut_pex: 9 }, 45678);
  t.after(() => raw.close());
  const pexes = (): ReturnType<typeof decodePex>[] => raw.messages.filter((m) => m.type === 'extended' && m.extId === 9).map((m) => decodePex((m as { payload: Uint8Array }).payload));
  await within(raw.until(() => pexes().length >= 1), 10_000, 'first PEX');
  const first = pexes()[0]!;
  assert.deepEqual(first.added.map((p) => `${p.host}:${p.port}`), [`127.0.0.1:${b.port}`], 'B only (not the receiver itself)');
  assert.equal(first.added[0]!.flags & PexFlags.reachable, PexFlags.reachable, 'A dialled B: reachable');
  assert.equal(first.dropped.length, 0);
  await b.client.close();
  await within(raw.until(() => pexes().length >= 2), 10_000, 'second PEX');
  const second = pexes()[1]!;
  assert.deepEqual(second.dropped.map((p) => `${p.host}:${p.port}`), [`127.0.0.1:${b.port}`]);
  assert.equal(second.added.length, 0);
});

test('private torrent: ut_pex not advertised, nothing sent, incoming PEX ignored', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-pex-');
  t.after(cleanup);
  const clients: Client[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const meta = await torrentOf(dir, true);
  assert.equal(meta.private, true);
  const b = await member(dir, 'b', meta, [], clients);
  const a = await member(dir, 'a', meta, [`127.0.0.1:${b.port}`], clients);
  await within(connectedTo(a.t, b.port), 10_000, 'A connects to B');
  let found = 0;
  const orig = a.t.addFoundPeers.bind(a.t);
  a.t.addFoundPeers = (peers) => {
    found += peers.length;
    orig(peers);
  };
  const raw = await RawPeer.open(a.port, meta.infoHash.bytes, { ut_pex: 4 }, 45679);
  t.after(() => raw.close());
  assert.equal(raw.ext!.m.has('ut_pex'), false, 'not advertised');
  raw.sendExtended(LOCAL_EXT_IDS.ut_pex!, encodePex({ added: [{ host: '127.0.0.9', port: 5555, family: 4, flags: 0 }], dropped: [] }));
  // Three scheduler ticks (PEX would have been sent on the first with these settings).
  let ticks = 0;
  await within(new Promise<void>((res) => a.t.on('progress', () => ++ticks === 3 && res())), 10_000, 'three ticks');
  assert.equal(raw.messages.filter((m) => m.type === 'extended' && m.extId !== 0).length, 0, 'no PEX sent');
  assert.equal(a.t.pex.stats.sent, 0);
  assert.equal(a.t.pex.stats.received, 0);
  assert.equal(found, 0, 'nothing learned');
  assert.equal(raw.closed, false, 'the message was ignored, not a violation');
});
