// `shoal seed --drain` as a real process: SIGTERM drains to a connected leecher, then exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { within } from './engine-fixtures.js';
import { alignedFixture, startSwarm, until } from './health-helpers.js';

const K = 8;
const cli = join(repoRoot, 'build', 'src', 'cli', 'main.js');

for (const json of [true, false]) {
  test(`shoal seed --drain${json ? ' --json' : ''}: SIGTERM hands out the pieces only it has, then exits 0`, { skip: existsSync(cli) ? false : `${cli} not built` }, async (t) => {
    const { dir, cleanup } = await tempDir('shoal-drain-cli-');
    t.after(cleanup);
    const fx = await alignedFixture(dir, 2, K, 16384);
    const s = await startSwarm(t, dir, fx, [{ holds: [0] }]);
    const leech = s.torrents[0]!;
    const args = [cli, 'seed', fx.torrentPath, join(fx.seedDir, fx.meta.name), '--peer', `127.0.0.1:${s.ports[0]}`, '--drain', '--drain-timeout', '20', ...(json ? ['--json'] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const events: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => {
      try {
        events.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // not JSON
      }
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await within(
      until(() => leech.peers.some((p) => p.pieces === fx.meta.pieceCount), 20_000, 'leecher sees the seeder'),
      25_000,
      'connect',
    );
    leech.select();
    child.kill('SIGTERM');
    const code = await within(exited, 30_000, 'shoal seed exits');
    assert.equal(code, 0, stderr);
    if (json) {
      const drained = events.find((e) => e['event'] === 'drained');
      assert.ok(drained, `no drained event in ${JSON.stringify(events.map((e) => e['event']))}`);
      assert.equal(drained['complete'], true, JSON.stringify(drained));
      assert.equal(drained['atRiskAtStart'], K);
      assert.ok(events.some((e) => e['event'] === 'stopped'));
      const prog = events.find((e) => e['event'] === 'progress');
      if (prog) assert.equal(typeof (prog['health'] as Record<string, unknown>)['meanReplication'], 'number');
    } else {
      assert.match(stderr, /draining: /);
      assert.match(stderr, /drained: every piece has 1\+ copy/);
    }
    // The leecher holds file 1's pieces now (the drain's point), so it completes alone.
    await within(leech.whenDone(), 20_000, 'leecher done');
  });
}
