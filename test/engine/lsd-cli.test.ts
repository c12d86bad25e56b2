import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { makeFixture } from './engine-fixtures.js';

// The flags only: a real CLI transfer over LSD would multicast on the host's 6771 and could
// meet other tests' announces; the engine test (lsd.test.ts) covers discovery on a private port.
test('shoal download/seed: --lsd and --no-lsd together are a usage error; --help lists --no-lsd', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-lsd-cli-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'f.bin', { x: 1000 }, 16384, { single: true });
  for (const cmd of [['download', fx.torrentPath, '-o', join(dir, 'out')], ['seed', fx.torrentPath, join(fx.seedDir, 'f.bin')]]) {
    const r = await runCli([...cmd, '--lsd', '--no-lsd']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--lsd and --no-lsd contradict each other/);
    const h = await runCli([cmd[0]!, '--help']);
    assert.match(h.stdout + h.stderr, /--no-lsd/);
  }
});
