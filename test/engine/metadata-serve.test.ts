// Serving metadata (BEP 9): the MetadataServer feature alone, then a shoal seeder asked
// over a real socket, a private torrent that must not offer it, and the .torrent builder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { Client } from '../../src/engine/index.js';
import { MetadataServer } from '../../src/engine/metadata/serve.js';
import { torrentFromInfo } from '../../src/engine/metadata/torrent-file.js';
import type { PeerConnection } from '../../src/engine/peer.js';
import { createTorrent } from '../../src/metainfo/create.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import { WireDecoder } from '../../src/wire/decoder.js';
import { encodeExtended } from '../../src/wire/encode.js';
import { decodeExtensionHandshake, encodeExtensionHandshake } from '../../src/wire/extension.js';
import { encodeHandshake } from '../../src/wire/handshake.js';
import type { DecodedMessage } from '../../src/wire/messages.js';
import { decodeMetadataMessage, encodeMetadataRequest } from '../../src/wire/metadata.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, within } from './engine-fixtures.js';
import { makeInfo } from './metadata-peer.js';

function fakePeer(): PeerConnection & { closedWith: string | undefined } {
  const c = { closedWith: undefined as string | undefined, close(reason: string) { c.closedWith = reason; } };
  return c as unknown as PeerConnection & { closedWith: string | undefined };
}

test('the server splits the info bytes into 16 KiB pieces and rejects out-of-range ones', () => {
  const info = makeInfo(40_000);
  const s = new MetadataServer({ infoBytes: info, private: false });
  assert.equal(s.enabled(), true);
  const hs: { metadataSize?: number } = {};
  s.handshake(hs);
  assert.equal(hs.metadataSize, info.length);
  const c = fakePeer();
  const count = Math.ceil(info.length / 16384);
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const m = decodeMetadataMessage(s.answer(c, i, 0)!);
    assert.equal(m.type, 'data');
    if (m.type !== 'data') return;
    assert.equal(m.piece, i);
    assert.equal(m.totalSize, info.length);
    assert.equal(m.data.length, i < count - 1 ? 16384 : info.length - 16384 * (count - 1));
    parts.push(Buffer.from(m.data));
  }
  assert.ok(Buffer.concat(parts).equals(info));
  assert.deepEqual(decodeMetadataMessage(s.answer(c, count, 0)!), { type: 'reject', piece: count });
  assert.deepEqual(decodeMetadataMessage(s.answer(c, 2000, 0)!), { type: 'reject', piece: 2000 });
  assert.equal(c.closedWith, undefined);
});

test('the server rate-limits each peer and drops one that keeps asking', () => {
  const info = makeInfo(20_000); // 2 pieces: burst of 16 requests a minute
  const s = new MetadataServer({ infoBytes: info, private: false });
  const c = fakePeer();
  const other = fakePeer();
  const kinds: string[] = [];
  for (let i = 0; i < 16; i++) kinds.push(decodeMetadataMessage(s.answer(c, i % 2, 1000)!).type);
  assert.deepEqual(new Set(kinds), new Set(['data']));
  assert.equal(decodeMetadataMessage(s.answer(c, 0, 1000)!).type, 'reject', 'over the budget');
  assert.equal(decodeMetadataMessage(s.answer(other, 0, 1000)!).type, 'data', 'budgets are per peer');
  assert.equal(decodeMetadataMessage(s.answer(c, 0, 1000 + 10_000)!).type, 'data', 'the budget refills');
  let dropped = false;
  for (let i = 0; i < 100 && !dropped; i++) dropped = s.answer(c, 0, 20_000) === undefined;
  assert.ok(dropped);
  assert.match(c.closedWith ?? '', /too many metadata requests/);
});

test('private torrents do not offer metadata', () => {
  const s = new MetadataServer({ infoBytes: makeInfo(1000), private: true });
  assert.equal(s.enabled(), false);
});

/** A raw connection speaking BEP 3 + 10 + 9 to a shoal client. */
async function rawPeer(port: number, infoHash: Buffer): Promise<{ sock: Socket; next: (pred: (m: DecodedMessage) => boolean) => Promise<DecodedMessage> }> {
  const sock = connect({ host: '127.0.0.1', port });
  const dec = new WireDecoder();
  const seen: DecodedMessage[] = [];
  let waiters: { pred: (m: DecodedMessage) => boolean; res: (m: DecodedMessage) => void }[] = [];
  sock.on('data', (chunk: Buffer) => {
    for (const m of dec.push(chunk)) {
      const copy = m.type === 'extended' ? { ...m, payload: Buffer.from(m.payload) } : m;
      seen.push(copy);
      waiters = waiters.filter((w) => (w.pred(copy) ? (w.res(copy), false) : true));
    }
  });
  sock.on('error', () => {});
  const reserved = Buffer.alloc(8);
  reserved[5] = 0x10;
  sock.write(encodeHandshake({ infoHash, peerId: Buffer.from('-XX0001-abcdefghijkl'), reserved }));
  sock.write(encodeExtended(0, encodeExtensionHandshake({ m: new Map([['ut_metadata', 7]]) })));
  const next = (pred: (m: DecodedMessage) => boolean): Promise<DecodedMessage> => {
    const hit = seen.find(pred);
    return hit ? Promise.resolve(hit) : new Promise((res) => waiters.push({ pred, res }));
  };
  return { sock, next };
}

test('a shoal seeder serves its metadata over the wire; a private one does not offer it', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-meta-serve-');
  t.after(cleanup);
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  const pub = await makeFixture(`${dir}/pub`, 'pub', { 'a.bin': 300_000, 'b.bin': 5 }, 16384);
  await client.add(pub.torrent, { path: pub.seedDir, announce: false, resume: false });
  const port = await client.ready();
  const { sock, next } = await rawPeer(port, pub.meta.infoHash.bytes);
  t.after(() => sock.destroy());
  const hsMsg = await within(next((m) => m.type === 'extended' && m.extId === 0), 5000, 'extension handshake');
  const hs = decodeExtensionHandshake((hsMsg as { payload: Uint8Array }).payload);
  assert.equal(hs.metadataSize, pub.meta.infoBytes.length);
  const id = hs.m.get('ut_metadata');
  assert.ok(id !== undefined && id > 0);
  const count = Math.ceil(pub.meta.infoBytes.length / 16384);
  for (let i = 0; i <= count; i++) sock.write(encodeExtended(id, encodeMetadataRequest(i)));
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const msg = await within(next((m) => m.type === 'extended' && m.extId === 7 && (decodeMetadataMessage(m.payload) as { piece: number }).piece === i), 5000, `piece ${i}`);
    const d = decodeMetadataMessage((msg as { payload: Uint8Array }).payload);
    assert.equal(d.type, 'data');
    if (d.type === 'data') parts.push(Buffer.from(d.data));
  }
  const rej = await within(next((m) => m.type === 'extended' && m.extId === 7 && (decodeMetadataMessage(m.payload) as { piece: number }).piece === count), 5000, 'reject');
  assert.equal(decodeMetadataMessage((rej as { payload: Uint8Array }).payload).type, 'reject');
  assert.ok(createHash('sha1').update(Buffer.concat(parts)).digest().equals(pub.meta.infoHash.bytes));

  await mkdir(`${dir}/priv`);
  await writeFile(`${dir}/priv/c.bin`, randomBytes(50_000));
  const priv = parseTorrent((await createTorrent(`${dir}/priv/c.bin`, { pieceLength: 16384, private: true, creationDate: false })).torrent);
  assert.equal(priv.private, true);
  await client.add(priv, { path: `${dir}/priv`, announce: false, resume: false });
  const p2 = await rawPeer(port, priv.infoHash.bytes);
  t.after(() => p2.sock.destroy());
  const hs2 = decodeExtensionHandshake(((await within(p2.next((m) => m.type === 'extended' && m.extId === 0), 5000, 'private handshake')) as { payload: Uint8Array }).payload);
  assert.equal(hs2.m.get('ut_metadata'), undefined);
  assert.equal(hs2.metadataSize, undefined);
});

test('torrentFromInfo keeps the info bytes exactly and adds trackers and web seeds', () => {
  // Unsorted keys: a re-encoding would change the info-hash.
  const info = Buffer.from('d4:name3:abc6:lengthi5e12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae');
  const bytes = torrentFromInfo(info, { trackers: ['http://t1/announce', 'udp://t2:80', 'http://t1/announce'], webSeeds: ['http://ws/x'], createdBy: 'test' });
  assert.ok(bytes.includes(info));
  const meta = parseTorrent(bytes);
  assert.ok(meta.infoBytes.equals(info));
  assert.equal(meta.infoHash.hex, createHash('sha1').update(info).digest('hex'));
  assert.deepEqual(meta.announce, [['http://t1/announce'], ['udp://t2:80']]);
  assert.deepEqual(meta.webSeeds, ['http://ws/x']);
  assert.equal(meta.createdBy, 'test');
  const bare = parseTorrent(torrentFromInfo(info));
  assert.deepEqual(bare.announce, []);
});
