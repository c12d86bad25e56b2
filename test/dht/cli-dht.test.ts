// `shoal seed` and `shoal download` (real processes) find each other through a local DHT only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DhtNode } from '../../src/dht/node.js';
import { loadState } from '../../src/dht/state.js';
import { cliPath, runCli, tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from '../engine/engine-fixtures.js';

const HOST = '127.0.0.1';

test('shoal seed + shoal download with --dht-bootstrap and no tracker or --peer', { skip: !existsSync(cliPath) && 'dist/ not built' }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-dht-cli-');
  t.after(cleanup);
  const boot = new DhtNode({ host: HOST, queryRate: 1000 });
  await boot.listen();
  const other = new DhtNode({ host: HOST, bootstrap: [`${HOST}:${boot.port}`], queryRate: 1000 });
  await other.listen();
  t.after(() => Promise.all([boot.close(), other.close()]));
  const bootArg = `${HOST}:${boot.port}`;
  const fx = await makeFixture(dir, 'viadht', { 'a.bin': 400_000, 'b.bin': 5 }, 32768);
  const child = spawn(process.execPath, [cliPath, 'seed', fx.torrentPath, join(fx.seedDir, 'viadht'), '--json', '--dht-bootstrap', bootArg], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const exit = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  await within(
    new Promise<void>((res) => createInterface({ input: child.stdout! }).on('line', (l) => l.includes('"event":"start"') && res())),
    20_000,
    'seeder started',
  );
  // The seeder's announce reached the DHT.
  await within(
    (async () => {
      while (boot.storedPeers + other.storedPeers === 0) await new Promise((r) => setTimeout(r, 50));
    })(),
    15_000,
    'seeder announced on the DHT',
  );
  const out = join(dir, 'out');
  const r = await within(runCli(['download', fx.torrentPath, '-o', out, '--json', '--dht-bootstrap', bootArg]), 40_000, 'download via the DHT');
  assert.equal(r.code, 0, r.stderr);
  const want = await readTree(fx.seedDir);
  const got = await readTree(out);
  for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `${k} differs`);
  // The downloader saved its routing table beside the data.
  const state = await loadState(join(out, '.shoal', 'dht.dat'));
  assert.ok(state.id && state.nodes.length >= 1, `saved ${state.nodes.length} nodes`);
  child.kill('SIGINT');
  assert.equal(await within(exit, 10_000, 'seeder exits'), 0);
});

test('DHT flags: contradictions and bad addresses are usage errors', { skip: !existsSync(cliPath) && 'dist/ not built' }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-dht-cli-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'flags', { 'a.bin': 1000 }, 16384);
  const both = await runCli(['download', fx.torrentPath, '-o', join(dir, 'o'), '--dht', '--no-dht']);
  assert.equal(both.code, 2, both.stderr);
  assert.match(both.stderr, /--no-dht/);
  const bad = await runCli(['seed', fx.torrentPath, join(fx.seedDir, 'flags'), '--dht-bootstrap', 'nonsense']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--dht-bootstrap/);
  const port = await runCli(['download', fx.torrentPath, '-o', join(dir, 'o'), '--dht-port', '70000']);
  assert.equal(port.code, 2);
});
