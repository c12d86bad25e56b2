// What a super-seeding shoal seeder says on the wire (a raw BEP 3/6 peer on a socket).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Client } from '../../src/engine/index.js';
import { HAVE_NONE, INTERESTED, encodeRequest } from '../../src/wire/encode.js';
import { WireDecoder } from '../../src/wire/decoder.js';
import { encodeHandshake } from '../../src/wire/handshake.js';
import type { DecodedMessage } from '../../src/wire/messages.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, within } from './engine-fixtures.js';

test('super-seed on the wire: HAVE_NONE, then HAVE for two pieces; other pieces are rejected', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-ss-wire-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'w.bin', { x: 20 * 16384 }, 16384, { single: true });
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  await client.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false, superSeed: true });
  const sock = connect(await client.ready(), '127.0.0.1');
  t.after(() => sock.destroy());
  const dec = new WireDecoder();
  const msgs: DecodedMessage[] = [];
  const waiters: (() => void)[] = [];
  sock.on('data', (d: Buffer) => {
    for (const m of dec.push(d)) msgs.push(m.type === 'piece' ? { ...m, block: Buffer.from(m.block) } : m);
    for (const w of waiters.splice(0)) w();
  });
  const until = (pred: () => boolean, what: string): Promise<void> =>
    within(
      new Promise<void>((res) => {
        const check = (): void => (pred() ? res() : void waiters.push(check));
        check();
      }),
      10_000,
      what,
    );
  await new Promise<void>((res) => sock.once('connect', () => res()));
  const id = Buffer.alloc(20, 0x31);
  id.write('-XX0001-', 0, 'latin1');
  sock.write(encodeHandshake({ infoHash: fx.meta.infoHash.bytes, peerId: id, extensions: { fast: true } }));
  sock.write(HAVE_NONE);
  sock.write(INTERESTED);
  const haves = (): number[] => msgs.flatMap((m) => (m.type === 'have' ? [m.index] : []));
  await until(() => haves().length >= 2, 'two offers');
  const kinds = msgs.map((m) => m.type).filter((k) => k !== 'handshake' && k !== 'extended' && k !== 'keep-alive');
  assert.equal(kinds[0], 'have-none', `first message: ${kinds.join(',')}`);
  assert.ok(!kinds.includes('bitfield') && !kinds.includes('have-all'));
  const offered = haves();
  assert.equal(offered.length, 2);
  await until(() => msgs.some((m) => m.type === 'unchoke'), 'unchoke');
  const other = [...Array(20).keys()].find((i) => !offered.includes(i))!;
  sock.write(encodeRequest(other, 0, 16384));
  sock.write(encodeRequest(offered[0]!, 0, 16384));
  await until(() => msgs.some((m) => m.type === 'reject') && msgs.some((m) => m.type === 'piece'), 'reject and piece');
  const rej = msgs.find((m) => m.type === 'reject');
  assert.ok(rej && rej.type === 'reject' && rej.index === other, 'a piece not offered is rejected');
  const piece = msgs.find((m) => m.type === 'piece');
  assert.ok(piece && piece.type === 'piece' && piece.index === offered[0]);
  assert.equal(haves().length, 2, 'no third offer before one is passed on or finished');
});
