// Peers found through a tracker (shoal's own, HTTP): `shoal seed` as a process, an
// in-process leecher that knows no peer address; SIGINT stops the seeder cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import { startTracker } from '../../src/tracker/server/index.js';
import { cliPath, tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';

test('shoal seed (CLI) -> leecher found through an HTTP tracker; Ctrl-C announces stopped and exits 0', { skip: !existsSync(cliPath) && 'dist/ not built' }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-trk-');
  t.after(cleanup);
  const tracker = await startTracker({ host: '127.0.0.1', http: 0, udp: false, announceInterval: 60, minInterval: 1 });
  t.after(() => tracker.close());
  const announce = `http://127.0.0.1:${tracker.httpPort}/announce`;
  const fx = await makeFixture(dir, 'tracked', { 'a.bin': 1_500_000, 'b.bin': 77 }, 32768, { announce: [announce] });
  const child = spawn(process.execPath, [cliPath, 'seed', fx.torrentPath, join(fx.seedDir, 'tracked'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  const started = new Promise<void>((res) =>
    createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      if (l.includes('"event":"start"')) res();
    }),
  );
  const exit = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  await within(started, 20_000, 'seeder started');
  // The seeder's started announce is asynchronous: wait until the tracker knows it.
  await within(
    (async () => {
      while ((await tracker.totals()).seeders < 1) await new Promise((r) => setTimeout(r, 50));
    })(),
    10_000,
    'seeder announced',
  );
  const client = new Client({ host: '127.0.0.1', minAnnounceInterval: 1 });
  t.after(() => client.close());
  const tor = await client.add(fx.torrent, { path: join(dir, 'out') });
  await within(tor.whenDone(), 30_000, 'download through the tracker');
  const want = await readTree(fx.seedDir);
  const got = await readTree(join(dir, 'out'));
  for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `${k} differs`);
  await client.close();
  child.kill('SIGINT');
  assert.equal(await within(exit, 10_000, 'seeder exits'), 0);
  assert.ok(lines.some((l) => l.includes('"event":"stopped"')));
  // After `stopped` the tracker forgets the seeder.
  assert.equal((await tracker.totals()).seeders, 0);
});
