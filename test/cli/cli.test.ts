import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, readFile, truncate, unlink } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { decodeFull, type BDict } from '../../src/bencode/index.js';

function noStack(s: string): void {
  assert.doesNotMatch(s, /\n\s+at /, `no stack trace expected in: ${s}`);
}

test('shoal --help lists every command with one line each', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const name of ['create', 'info', 'verify']) assert.match(r.stdout, new RegExp(`^  ${name}\\s+\\S.*$`, 'm'));
  const v = await runCli(['--version']);
  assert.match(v.stdout, /^shoal \d+\.\d+\.\d+/);
});

test('usage errors are one line with exit code 2', async () => {
  for (const args of [['nonsense'], ['create'], ['create', 'x', '--bogus'], ['info'], ['create', 'x', '--piece-length', 'lots']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^shoal: /);
    noStack(r.stderr);
  }
});

test('create, info and verify a folder end to end', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const data = join(dir, 'album');
    await mkdir(join(data, 'disc 1'), { recursive: true });
    const a = randomBytes(300_000);
    const b = randomBytes(123_457);
    await writeFile(join(data, 'disc 1', 'track.bin'), a);
    await writeFile(join(data, 'cover.jpg'), b);
    const out = join(dir, 'album.torrent');
    const c = await runCli(['create', data, '-o', out, '-t', 'http://127.0.0.1:1/announce', '-t', 'udp://127.0.0.1:2,http://127.0.0.1:3/a', '-w', 'http://127.0.0.1:4/files/', '--piece-length', '32K', '--comment', 'hello', '--json']);
    assert.equal(c.code, 0, c.stderr);
    const created = JSON.parse(c.stdout) as { infoHash: string; pieceCount: number; magnet: string };
    const buf = await readFile(out);
    const dec = decodeFull(buf, { spans: true });
    const info = (dec.value as BDict).get('info') as BDict;
    const [s, e] = dec.spans!.get(info)!;
    assert.equal(created.infoHash, createHash('sha1').update(buf.subarray(s, e)).digest('hex'));
    assert.equal(created.pieceCount, Math.ceil((a.length + b.length) / 32768));
    assert.match(created.magnet, new RegExp(`^magnet:\\?xt=urn:btih:${created.infoHash}`, 'i'));

    const i = await runCli(['info', out, '--json']);
    assert.equal(i.code, 0, i.stderr);
    const info2 = JSON.parse(i.stdout) as Record<string, unknown>;
    assert.equal(info2.infoHash, created.infoHash);
    assert.equal(info2.name, 'album');
    assert.equal(info2.totalLength, a.length + b.length);
    assert.equal(info2.pieceLength, 32768);
    assert.deepEqual(info2.trackers, [['http://127.0.0.1:1/announce'], ['udp://127.0.0.1:2', 'http://127.0.0.1:3/a']]);
    assert.deepEqual(info2.webSeeds, ['http://127.0.0.1:4/files/']);
    assert.equal(info2.comment, 'hello');
    assert.deepEqual((info2.files as { path: string; length: number }[]).map((f) => [f.path, f.length]), [['cover.jpg', b.length], ['disc 1/track.bin', a.length]]);
    const text = await runCli(['info', out]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /info-hash:\s+[0-9a-f]{40}/);
    assert.match(text.stdout, /disc 1\/track\.bin/);

    const ok = await runCli(['verify', out, data, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { ok: true, pieceCount: created.pieceCount, good: created.pieceCount, missing: 0, corrupt: 0, incompleteFiles: [] });

    // Corrupt one byte in the second file: exactly one piece goes bad, exit code 1.
    const t = Buffer.from(a);
    t[200_000] = t[200_000]! ^ 0xff;
    await writeFile(join(data, 'disc 1', 'track.bin'), t);
    const bad = await runCli(['verify', out, data, '--json']);
    assert.equal(bad.code, 1);
    const badJson = JSON.parse(bad.stdout) as { corrupt: number; good: number; incompleteFiles: { path: string }[] };
    assert.equal(badJson.corrupt, 1);
    assert.deepEqual(badJson.incompleteFiles.map((f) => f.path), ['disc 1/track.bin']);

    // Missing file: its pieces are missing, and the human output says which file.
    await unlink(join(data, 'cover.jpg'));
    const miss = await runCli(['verify', out, data]);
    assert.equal(miss.code, 1);
    assert.match(miss.stdout, /missing/);
    assert.match(miss.stdout, /incomplete: cover\.jpg/);
    await truncate(join(data, 'disc 1', 'track.bin'), 10);
    const trunc = await runCli(['verify', out, data, '--json']);
    assert.equal(trunc.code, 1);
    assert.equal((JSON.parse(trunc.stdout) as { good: number }).good, 0);

    // Refuses to overwrite, and says so in one line.
    const again = await runCli(['create', data, '-o', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    noStack(again.stderr);
  } finally {
    await cleanup();
  }
});

test('create a single file; info reads a magnet link', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const f = join(dir, 'movie.mkv');
    await writeFile(f, randomBytes(1_000_001));
    const c = await runCli(['create', f, '--json', '--private'], { cwd: dir });
    assert.equal(c.code, 0, c.stderr);
    const res = JSON.parse(c.stdout) as { output: string; infoHash: string; pieceLength: number };
    assert.equal(res.output, join(dir, 'movie.mkv.torrent'));
    assert.ok(res.pieceLength >= 16384 && (res.pieceLength & (res.pieceLength - 1)) === 0);
    const i = await runCli(['info', res.output, '--json']);
    const info = JSON.parse(i.stdout) as { private: boolean; multiFile: boolean };
    assert.equal(info.private, true);
    assert.equal(info.multiFile, false);
    const v = await runCli(['verify', res.output, f]);
    assert.equal(v.code, 0, v.stdout + v.stderr);

    const m = await runCli(['info', `magnet:?xt=urn:btih:${res.infoHash}&dn=movie.mkv&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce`, '--json']);
    assert.equal(m.code, 0, m.stderr);
    const mj = JSON.parse(m.stdout) as { infoHash: string; name: string; trackers: string[][] };
    assert.equal(mj.infoHash, res.infoHash);
    assert.equal(mj.name, 'movie.mkv');
    assert.deepEqual(mj.trackers, [['http://127.0.0.1:1/announce']]);
  } finally {
    await cleanup();
  }
});

test('bad input gives one clear line and a non-zero exit, never a stack', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const junk = join(dir, 'junk.torrent');
    await writeFile(junk, 'd4:infoi3ee');
    const cases: string[][] = [
      ['info', join(dir, 'nope.torrent')],
      ['info', junk],
      ['info', dir],
      ['info', 'magnet:?xt=urn:btih:zzzz'],
      ['create', join(dir, 'missing-folder')],
      ['verify', junk, dir],
    ];
    for (const args of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 1, `${args.join(' ')} -> ${r.code} ${r.stderr}`);
      assert.match(r.stderr, /^shoal: \S/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      noStack(r.stderr);
    }
  } finally {
    await cleanup();
  }
});
