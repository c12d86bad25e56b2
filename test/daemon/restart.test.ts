// Restart: a real `shoal daemon` process is stopped mid-download (SIGTERM, and SIGKILL), started
// again on the same data folder, and the torrent finishes without downloading verified
// pieces again (after SIGTERM: without hashing them either).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/engine/index.js';
import { FsStorage } from '../../src/storage/fs.js';
import type { Storage } from '../../src/storage/interface.js';
import { differingFiles, makeFixture } from '../helpers/torrent-fixture.js';
import type { Fixture } from '../helpers/torrent-fixture.js';
import type { Daemon } from '../../src/daemon/index.js';
import { call, until } from './helpers.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(repoRoot, 'build', 'src', 'cli', 'main.js');
const PIECE = 32 * 1024;
const PIECES = 96;

/** Storage whose reads wait while the gate is shut once `budget` bytes have been read. */
class Gate {
  budget: number;
  private waiters: (() => void)[] = [];
  constructor(budget: number) {
    this.budget = budget;
  }
  async pass(bytes: number): Promise<void> {
    while (this.budget < bytes) await new Promise<void>((r) => this.waiters.push(r));
    this.budget -= bytes;
  }
  open(): void {
    this.budget = Infinity;
    for (const w of this.waiters.splice(0)) w();
  }
}

function gated(inner: Storage, gate: Gate): Storage {
  return new Proxy(inner, {
    get(target, prop, recv) {
      if (prop === 'read') return async (offset: number, length: number) => (await gate.pass(length), target.read(offset, length));
      if (prop === 'readPiece') return async (i: number) => (await gate.pass(PIECE), target.readPiece(i));
      const v = Reflect.get(target, prop, recv) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

interface Proc {
  child: ChildProcess;
  port: number;
  out: string;
  exited: Promise<number | null>;
}

async function startProc(dataDir: string, downloadDir: string): Promise<Proc> {
  const child = spawn(process.execPath, [MAIN, 'daemon', '--data', dataDir, '--download-dir', downloadDir, '--port', '0', '--peer-port', '0', '--peer-host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const port = await new Promise<number>((res, rej) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /restored in/.test(out) && /API http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) res(Number(m[1]));
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    void exited.then((c) => rej(new Error(`daemon exited (${c}): ${out}`)));
  });
  return { child, port, out, exited };
}

const as = (port: number): Daemon => ({ port }) as Daemon;

async function scenario(t: import('node:test').TestContext, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'shoal-restart-'));
  const fx: Fixture = await makeFixture(root, { name: 'movie.bin', single: true, files: [{ path: 'movie.bin', size: PIECE * PIECES - 1000 }], pieceLength: PIECE });
  const gate = new Gate(Infinity);
  const seeder = new Client({ host: '127.0.0.1', port: 0 });
  const seedPort = await seeder.ready();
  await seeder.add(fx.torrent, { path: fx.seedDir, resume: false, announce: false, storage: (l) => gated(new FsStorage(l, fx.seedDir), gate) });
  gate.budget = PIECE * 40; // the start-up check read everything; from now on serve 40 pieces' worth
  const procs: Proc[] = [];
  t.after(async () => {
    gate.open();
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await seeder.close();
    await rm(root, { recursive: true, force: true });
  });
  const dataDir = join(root, 'data');
  const dl = join(root, 'dl');

  const p1 = await startProc(dataDir, dl);
  procs.push(p1);
  const add = await call(as(p1.port), 'POST', '/api/v1/torrents', { body: { torrent: fx.torrent.toString('base64'), peers: [`127.0.0.1:${seedPort}`] } });
  assert.equal(add.status, 201, add.body.toString());
  const hash = fx.meta.infoHash.hex;
  // Wait until the seeder's budget is spent and the pieces it allowed are verified.
  const before = await until(
    async () => {
      const r = await call(as(p1.port), 'GET', `/api/v1/torrents/${hash}`);
      return r.json.piecesHave >= 30 ? (r.json as { piecesHave: number }) : undefined;
    },
    30_000,
    'first pieces',
  );
  assert.ok(before.piecesHave < PIECES, 'stopped mid-download');
  p1.child.kill(signal);
  const code = await p1.exited;
  if (signal === 'SIGTERM') assert.equal(code, 0, p1.out);
  gate.open();

  const p2 = await startProc(dataDir, dl);
  procs.push(p2);
  const hashed = Number(/\((\d+) pieces hashed/.exec(p2.out)?.[1]);
  const back = await call(as(p2.port), 'GET', `/api/v1/torrents/${hash}`);
  assert.equal(back.status, 200);
  assert.ok(back.json.piecesHave >= before.piecesHave, `restart kept ${back.json.piecesHave} >= ${before.piecesHave} pieces`);
  if (signal === 'SIGTERM') assert.equal(hashed, 0, 'clean shutdown: resume data trusted, nothing re-hashed');
  const kept = back.json.piecesHave as number;
  const done = await until(
    async () => {
      const r = await call(as(p2.port), 'GET', `/api/v1/torrents/${hash}`);
      return r.json.progress === 1 ? (r.json as { downloaded: number }) : undefined;
    },
    30_000,
    'finish after restart',
  );
  const missing = (PIECES - kept) * PIECE;
  // Totals persist across a clean restart; count only this run's bytes.
  const earlier = back.json.downloaded as number;
  // The last piece is 1000 bytes short, and rarest-first may already have fetched it.
  if (signal === 'SIGTERM') assert.ok(earlier >= before.piecesHave * PIECE - 1000, `payload totals survived the restart (${earlier} bytes for ${before.piecesHave} pieces)`);
  done.downloaded -= earlier;
  assert.ok(done.downloaded <= missing + 4 * PIECE, `second run downloaded ${done.downloaded} bytes, at most ${missing} (+ endgame slack) were missing`);
  assert.ok(done.downloaded >= missing - PIECE, 'and it did download the rest');
  assert.deepEqual(await differingFiles(fx, dl), []);
  p2.child.kill('SIGTERM');
  assert.equal(await p2.exited, 0);
}

test('restart after SIGTERM mid-download: resume data trusted, no re-hash, no re-download', (t) => scenario(t, 'SIGTERM'));
test('restart after SIGKILL mid-download: verified pieces kept (re-checked), not downloaded again', (t) => scenario(t, 'SIGKILL'));
