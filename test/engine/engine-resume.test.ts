// `shoal download` killed with SIGKILL mid-download, then run again: it resumes without
// fetching any verified piece twice, and a restart after a clean stop re-hashes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import { cliPath, runCli, tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';

interface Ev {
  event: string;
  [k: string]: unknown;
}

function startDownload(args: string[]): { child: ReturnType<typeof spawn>; events: Ev[]; next: (pred: (e: Ev) => boolean) => Promise<Ev>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [cliPath, 'download', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Ev[] = [];
  let waiters: { pred: (e: Ev) => boolean; res: (e: Ev) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const e = JSON.parse(line) as Ev;
    events.push(e);
    waiters = waiters.filter((w) => (w.pred(e) ? (w.res(e), false) : true));
  });
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const next = (pred: (e: Ev) => boolean): Promise<Ev> => {
    const seen = events.find(pred);
    return seen ? Promise.resolve(seen) : new Promise((res) => waiters.push({ pred, res }));
  };
  return { child, events, next, exit };
}

test('SIGKILL mid-download, restart: finishes byte-identical and never re-downloads a verified piece', { skip: !existsSync(cliPath) && 'dist/ not built (npm run build)' }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-resume-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'big', { 'one.bin': 9_000_011, 'two/three.bin': 7_000_003 }, 65536);
  const seeder = new Client({ host: '127.0.0.1' });
  t.after(() => seeder.close());
  const seed = await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const peer = `127.0.0.1:${await seeder.ready()}`;
  const out = join(dir, 'out');
  const args = [fx.torrentPath, '-o', out, '--peer', peer];

  const first = startDownload(args);
  t.after(() => first.child.kill('SIGKILL'));
  // Some pieces verified: stop the seeder from sending more, then kill the download hard.
  await within(first.next((e) => e.event === 'piece' && (e.have as number) >= 20), 30_000, 'first run got 20 pieces');
  seed.pause();
  first.child.kill('SIGKILL');
  assert.equal(await first.exit, null, 'killed by the signal, not finished');
  const firstPieces = first.events.filter((e) => e.event === 'piece').length;
  assert.ok(firstPieces < fx.meta.pieceCount, 'the first run did not finish');

  seed.resume();
  const second = startDownload(args);
  t.after(() => second.child.kill('SIGKILL'));
  const start = await within(second.next((e) => e.event === 'start'), 30_000, 'second run started');
  assert.ok((start.havePieces as number) >= firstPieces, `kept ${String(start.havePieces)} of the ${firstPieces} pieces verified before the kill`);
  assert.equal(await within(second.exit, 60_000, 'second run exits'), 0);
  const again = second.events.filter((e) => e.event === 'piece').map((e) => e.index as number);
  assert.equal(again.length, fx.meta.pieceCount - (start.havePieces as number), 'downloads exactly the missing pieces');
  const done = second.events.find((e) => e.event === 'done')!;
  assert.ok((done.downloaded as number) <= (fx.meta.pieceCount - firstPieces) * fx.meta.pieceLength + 64 * 16384, `downloaded ${String(done.downloaded)} bytes`);
  const want = await readTree(fx.seedDir);
  const got = await readTree(out);
  for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `${k} differs`);

  // A third run after the clean exit trusts the resume data: nothing hashed, nothing fetched.
  const third = await runCli(['download', ...args, '--json']);
  assert.equal(third.code, 0, third.stderr);
  const ev = third.stdout.trim().split('\n').map((l) => JSON.parse(l) as Ev);
  const s3 = ev.find((e) => e.event === 'start')!;
  assert.equal(s3.fromResume, true);
  assert.equal(s3.checkedPieces, 0);
  assert.equal(ev.filter((e) => e.event === 'piece').length, 0);
});

// Magnet links are supported now (test/engine/metadata-*.test.ts); with no peer to ask, the
// metadata timeout ends the command with one line and exit code 1.
test('download of a magnet nobody serves fails with one line and exit code 1', { skip: !existsSync(cliPath) && 'dist/ not built' }, async () => {
  const r = await runCli(['download', 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567', '--no-dht', '--metadata-timeout', '1', '-q']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^shoal: no metadata after 1 s .*\n$/);
});
