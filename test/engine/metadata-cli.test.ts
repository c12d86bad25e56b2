// `shoal download MAGNET` as a real process (dist/) against an in-process shoal seeder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { makeFixture, readTree } from './engine-fixtures.js';

async function seeder(t: { after: (fn: () => Promise<void>) => void }, dir: string): Promise<{ port: number; fx: Awaited<ReturnType<typeof makeFixture>> }> {
  const fx = await makeFixture(dir, 'clip', { 'one.bin': 200_000, 'two.bin': 70_000 }, 16384);
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  await client.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  return { port: await client.ready(), fx };
}

test('shoal download MAGNET --metadata-only writes a .torrent with the same info-hash', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-magnet-cli-');
  t.after(cleanup);
  const { port, fx } = await seeder(t, dir);
  const out = join(dir, 'meta');
  const uri = `magnet:?xt=urn:btih:${fx.meta.infoHash.hex}&x.pe=127.0.0.1:${port}`;
  const r = await runCli(['download', uri, '--metadata-only', '-o', out, '--no-dht', '--metadata-timeout', '30']);
  assert.equal(r.code, 0, r.stderr);
  const path = r.stdout.trim();
  assert.equal(path, join(out, 'clip.torrent'));
  const meta = parseTorrent(await readFile(path));
  assert.equal(meta.infoHash.hex, fx.meta.infoHash.hex);
  assert.ok(meta.infoBytes.equals(fx.meta.infoBytes));
  assert.match(r.stderr, /metadata received/);
  // Again: the identical file is kept; a different file of that name is never overwritten.
  const again = await runCli(['download', uri, '--metadata-only', '-o', out, '--no-dht']);
  assert.equal(again.stdout.trim(), path);
  await writeFile(path, 'something else');
  const third = await runCli(['download', uri, '--metadata-only', '-o', out, '--no-dht', '--json']);
  assert.equal(third.code, 0, third.stderr);
  assert.equal(await readFile(path, 'utf8'), 'something else');
  const ev = third.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; torrent?: string }).find((e) => e.event === 'metadata');
  assert.equal(ev?.torrent, join(out, 'clip.1.torrent'));
  assert.equal(parseTorrent(await readFile(ev.torrent)).infoHash.hex, fx.meta.infoHash.hex);
});

test('shoal download MAGNET downloads after the metadata; errors are one line', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-magnet-cli-');
  t.after(cleanup);
  const { port, fx } = await seeder(t, dir);
  const out = join(dir, 'dl');
  await mkdir(out);
  const r = await runCli(['download', fx.meta.infoHash.hex, '--peer', `127.0.0.1:${port}`, '-o', out, '--no-dht', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const want = await readTree(fx.seedDir);
  const have = await readTree(out);
  for (const [k, v] of want) assert.ok(have.get(k)?.equals(v), `${k} differs`);
  assert.ok(have.has('clip.torrent'), 'the .torrent is saved beside the download');
  const bad = await runCli(['download', 'magnet:?xt=urn:btih:nothex', '--no-dht']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  const late = await runCli(['download', 'bb'.repeat(20), '--no-dht', '--metadata-timeout', '1', '-o', out]);
  assert.equal(late.code, 1);
  assert.match(late.stderr, /^shoal: no metadata after 1 s/);
  assert.equal(late.stderr.trim().split('\n').length, 1, late.stderr);
});
