import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { WebSeedError } from '../../src/engine/webseed/errors.js';
import { SeedAgents, fetchRange } from '../../src/engine/webseed/http-range.js';
import { forEachPieceRun, mergeBlocks } from '../../src/engine/webseed/plan.js';
import { parseRetryAfter, retryDelay } from '../../src/engine/webseed/retry.js';
import { checkSeedUrl, fileUrl } from '../../src/engine/webseed/url.js';
import type { FileEntry } from '../../src/metainfo/types.js';
import { tempDir } from '../helpers/cli.js';
import { startWebSeedServer } from './webseed-server.js';
import type { Override, Served } from './webseed-server.js';

function files(raw: string[], sizes = raw.map(() => 10)): FileEntry[] {
  let offset = 0;
  return raw.map((rawPath, i) => {
    const f = { path: rawPath.split('/'), rawPath, length: sizes[i]!, offset, pad: false, attr: '' };
    offset += sizes[i]!;
    return f;
  });
}

test('BEP 19 URLs: single-file, multi-file, trailing slash, percent-encoding', () => {
  const single = { multiFile: false, files: files(['my file#1.iso']) };
  assert.equal(fileUrl('http://h/dl/file.iso', single, 0), 'http://h/dl/file.iso');
  assert.equal(fileUrl('http://h/dl/', single, 0), 'http://h/dl/my%20file%231.iso');
  const multi = { multiFile: true, files: files(['Top Dir/a.bin', 'Top Dir/sub/ü?.txt']) };
  assert.equal(fileUrl('http://h/m/', multi, 0), 'http://h/m/Top%20Dir/a.bin');
  assert.equal(fileUrl('http://h/m', multi, 1), 'http://h/m/Top%20Dir/sub/%C3%BC%3F.txt');
  const multiOne = { multiFile: true, files: files(['d/only.bin']) };
  assert.equal(fileUrl('http://h/x/only.bin', multiOne, 0), 'http://h/x/only.bin');
  assert.equal(fileUrl('http://h/x/', multiOne, 0), 'http://h/x/d/only.bin');
  assert.equal(checkSeedUrl('https://h/a').protocol, 'https:');
  for (const bad of ['ftp://h/a', 'not a url', 'file:///etc/passwd']) {
    assert.throws(() => checkSeedUrl(bad), (e: unknown) => e instanceof WebSeedError && e.reason === 'url');
  }
});

test('retry delays double, 404 waits longer, Retry-After is honoured and capped', () => {
  assert.equal(retryDelay('network', 1, 100, 10_000), 100);
  assert.equal(retryDelay('status', 3, 100, 10_000), 400);
  assert.equal(retryDelay('not_found', 1, 100, 10_000), 600);
  assert.equal(retryDelay('network', 30, 100, 10_000), 10_000);
  assert.equal(retryDelay('unavailable', 1, 100, 10_000, 2000), 2000);
  assert.equal(retryDelay('unavailable', 1, 100, 10_000, 10), 100);
  assert.equal(retryDelay('unavailable', 1, 100, 10_000, 99_000), 10_000);
  assert.equal(parseRetryAfter('5'), 5000);
  assert.equal(parseRetryAfter(' 0 '), 0);
  assert.equal(parseRetryAfter(new Date(Date.now() + 3000).toUTCString(), Date.now()) !== undefined, true);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter('-1'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test('claimed blocks merge into contiguous ranges and split back into piece runs', () => {
  const P = 32768;
  const reqs = [
    { index: 2, begin: 16384, length: 16384 },
    { index: 2, begin: 0, length: 16384 },
    { index: 3, begin: 0, length: 16384 },
    { index: 5, begin: 0, length: 100 },
  ];
  const ranges = mergeBlocks(reqs, P);
  assert.deepEqual(ranges, [
    { offset: 2 * P, length: 3 * 16384 },
    { offset: 5 * P, length: 100 },
  ]);
  const runs: number[][] = [];
  forEachPieceRun(P, ranges[0]!, (i, b, at, n) => runs.push([i, b, at, n]));
  assert.deepEqual(runs, [
    [2, 0, 0, P],
    [3, 0, P, 16384],
  ]);
  assert.equal(mergeBlocks(reqs, P, 16384).length, 4);
});

async function withServer(t: { after(fn: () => unknown): void }, override?: (r: Served, n: number) => Override | undefined) {
  const { dir, cleanup } = await tempDir('shoal-webseed-');
  t.after(cleanup);
  const data = randomBytes(100_000);
  await mkdir(join(dir, 'd'), { recursive: true });
  await writeFile(join(dir, 'd', 'f.bin'), data);
  const srv = await startWebSeedServer({ root: dir, ...(override && { override }) });
  t.after(() => srv.close());
  const agents = new SeedAgents(2);
  t.after(() => agents.destroy());
  const get = (url: string, start: number, length: number, timeoutMs = 5000): Promise<Buffer> => {
    const into = Buffer.alloc(length + 10);
    return fetchRange({ url, start, length, fileLength: data.length, into, at: 10 }, { agents, timeoutMs }).then(() => into.subarray(10));
  };
  return { srv, data, get, url: `${srv.base}d/f.bin` };
}

async function rejectsWith(p: Promise<unknown>, reason: string, re?: RegExp): Promise<WebSeedError> {
  let err: unknown;
  await p.then(
    () => assert.fail(`expected ${reason}`),
    (e: unknown) => (err = e),
  );
  assert.ok(err instanceof WebSeedError, String(err));
  assert.equal(err.reason, reason, err.message);
  if (re) assert.match(err.message, re);
  return err;
}

test('fetchRange: 206 ranges into the target, 200 for a whole file, keep-alive reuse', async (t) => {
  const { srv, data, get, url } = await withServer(t);
  assert.ok((await get(url, 1000, 5000)).equals(data.subarray(1000, 6000)));
  assert.ok((await get(url, 0, data.length)).equals(data));
  assert.equal(srv.requests.length, 2);
  assert.equal(srv.connections, 1, 'the second request reused the kept-alive connection');
  assert.deepEqual(
    srv.requests.map((r) => [r.start, r.end, r.status]),
    [
      [1000, 5999, 206],
      [0, data.length - 1, 206],
    ],
  );
});

test('fetchRange: error statuses map to reasons (404, 500, 503 + Retry-After, 416)', async (t) => {
  const answers: Override[] = [{ status: 404 }, { status: 500 }, { status: 503, headers: { 'Retry-After': '7' } }, { status: 410 }, { status: 403 }];
  const { get, url } = await withServer(t, (_r, n) => answers[n]);
  await rejectsWith(get(url, 0, 10), 'not_found');
  await rejectsWith(get(url, 0, 10), 'status', /500/);
  const e = await rejectsWith(get(url, 0, 10), 'unavailable');
  assert.equal(e.retryAfterMs, 7000);
  await rejectsWith(get(url, 0, 10), 'not_found');
  await rejectsWith(get(url, 0, 10), 'status', /403/);
  await rejectsWith(get(url, 100_000, 10), 'bad_response', /416/);
});

test('fetchRange: malformed answers are errors (Range ignored, short body, cut connection, wrong Content-Range)', async (t) => {
  const answers: Override[] = [{ ignoreRange: true }, { short: true }, { cut: true }, { status: 206, headers: { 'Content-Range': 'bytes 0-9/100000', 'Content-Length': '10' }, body: '0123456789' }];
  const { get, url } = await withServer(t, (_r, n) => answers[n]);
  await rejectsWith(get(url, 50, 10), 'bad_response', /ignored the Range/);
  await rejectsWith(get(url, 0, 50_000), 'bad_response', /short body/);
  await rejectsWith(get(url, 0, 50_000), 'network');
  await rejectsWith(get(url, 20, 10), 'bad_response', /Content-Range/);
});

test('fetchRange: redirects are followed to http(s) only, and not forever', async (t) => {
  const { srv, data, get, url } = await withServer(t, (r) => {
    if (r.path === '/moved') return { status: 302, headers: { Location: '/d/f.bin' } };
    if (r.path === '/ftp') return { status: 301, headers: { Location: 'ftp://127.0.0.1/d/f.bin' } };
    if (r.path === '/loop') return { status: 307, headers: { Location: '/loop' } };
    return undefined;
  });
  assert.ok((await get(`${srv.base}moved`, 10, 100)).equals(data.subarray(10, 110)));
  await rejectsWith(get(`${srv.base}ftp`, 0, 10), 'bad_response', /ftp/);
  await rejectsWith(get(`${srv.base}loop`, 0, 10), 'bad_response', /redirects/);
  assert.equal(url.endsWith('/d/f.bin'), true);
});

test('fetchRange: connection refused and a silent server are network / timeout errors', async (t) => {
  const { srv, get, url } = await withServer(t, (r) => (r.path === '/hang' ? { hang: true } : undefined));
  await rejectsWith(get(`${srv.base}hang`, 0, 10, 150), 'timeout');
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, '127.0.0.1', () => res()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((res) => probe.close(() => res()));
  await rejectsWith(get(`http://127.0.0.1:${port}/x`, 0, 10), 'network');
  assert.ok(url);
});
