// The web UI end to end in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): add a torrent through the page's file input, watch it complete from a
// seeder, check the piece picture's pixels, stop / start / remove with the buttons (the API
// state checked after each), the share field's server-side path check, and the token prompt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { Client } from '../../src/engine/index.js';
import { makeFixture } from '../helpers/torrent-fixture.js';
import { call, testDaemon, until } from './helpers.js';
import type { TestDaemon } from './helpers.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const webRoot = join(repo, 'dist', 'web');
const CHROMIUM = '/usr/bin/chromium';
const HAVE_RGB = [0x25, 0x63, 0xeb]; // #2563eb, pieces.ts HAVE

function missing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt install chromium)`;
  if (!existsSync(join(webRoot, 'app.js'))) return 'dist/web not built (tsc -p tsconfig.web.json && node scripts/build-web.mjs)';
  return undefined;
}

async function browser(t: import('node:test').TestContext): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }> {
  const profile = await mkdtemp(join(tmpdir(), 'shoal-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(async () => {
    await ctx.close();
    await rm(profile, { recursive: true, force: true });
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // 401 answers are expected in the token test; everything else (CSP violations, 404s, exceptions) is a problem.
    if (m.type() === 'error' && !m.text().includes('401') && !m.text().includes('ERR_INCOMPLETE_CHUNKED_ENCODING')) problems.push(`console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => {
    if (!r.url().includes('/api/v1/events')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('http://127.0.0.1:')) problems.push(`request outside the daemon: ${r.url()}`);
  });
  return { ctx, page, problems };
}

test('web UI: add by .torrent upload, complete, piece picture, stop, start, remove', async (t) => {
  const why = missing();
  if (why) return t.skip(why);
  const root = await mkdtemp(join(tmpdir(), 'shoal-webui-'));
  const PIECE = 32 * 1024;
  const fx = await makeFixture(root, { name: 'photos', files: [{ path: 'a.jpg', size: PIECE * 40 + 123 }, { path: 'b/c.jpg', size: PIECE * 23 }], pieceLength: PIECE });
  const seeder = new Client({ host: '127.0.0.1', port: 0 });
  const seedPort = await seeder.ready();
  await seeder.add(fx.torrent, { path: fx.seedDir, resume: false, announce: false });
  let td: TestDaemon | undefined;
  t.after(async () => {
    await td?.close();
    await seeder.close();
    await rm(root, { recursive: true, force: true });
  });
  td = await testDaemon({ webRoot });
  const d = td.d;
  const hash = fx.meta.infoHash.hex;
  const { page, problems } = await browser(t);

  // The page and its policy: scripts from the daemon only, the import map by hash.
  const res = await page.goto(d.url + '/');
  assert.equal(res?.status(), 200);
  const csp = res?.headers()['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  await page.getByText('No torrents yet.').waitFor();
  await page.locator('.live.on').waitFor(); // the event stream is connected

  // Add: upload the .torrent through the file input, with the seeder as a peer (advanced field).
  await page.click('button[data-action=add]');
  await page.setInputFiles('input[name=torrent]', fx.torrentPath);
  await page.click('details.advanced > summary');
  await page.fill('input[name=peers]', `127.0.0.1:${seedPort}`);
  await page.click('.modal button[type=submit]');
  const row = page.locator(`tr[data-hash="${hash}"]`);
  await row.waitFor();
  // Complete: the row reaches 100 % and seeding, from live events.
  await page.locator(`tr[data-hash="${hash}"][data-state="seeding"]`).waitFor({ timeout: 30_000 });
  await row.locator('.pct', { hasText: '100 %' }).waitFor();
  assert.equal(await row.locator('td.name').textContent(), 'photos');
  const api = await call(d, 'GET', `/api/v1/torrents/${hash}`);
  assert.equal(api.json.state, 'seeding');
  assert.equal(api.json.progress, 1);
  assert.equal(api.json.piecesHave, fx.meta.pieceCount);

  // The detail panel (opened on add): files, and the piece picture fully painted 'have'.
  const canvas = page.locator('canvas.piece-canvas');
  await page.locator(`canvas.piece-canvas[data-have="${fx.meta.pieceCount}"]`).waitFor();
  assert.equal(await canvas.getAttribute('data-pieces'), String(fx.meta.pieceCount));
  await page.getByRole('cell', { name: 'photos/b/c.jpg' }).waitFor();
  // (runs in the page; typed loosely: the test build has no DOM types)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const pixels = await canvas.evaluate((el: any, rgb: number[]) => {
    const g = el.getContext('2d');
    const img: Uint8ClampedArray = g.getImageData(0, 0, el.width, el.height).data;
    let have = 0;
    let other = 0;
    for (let i = 0; i < img.length; i += 4) {
      if (img[i + 3] === 0) continue; // gaps between cells
      if (img[i] === rgb[0] && img[i + 1] === rgb[1] && img[i + 2] === rgb[2]) have++;
      else other++;
    }
    return { have, other, w: el.width as number, h: el.height as number };
  }, HAVE_RGB);
  assert.ok(pixels.w > 0 && pixels.h > 0, 'canvas has a size');
  assert.ok(pixels.have > fx.meta.pieceCount * 9, `the 'have' colour is painted (${JSON.stringify(pixels)})`);
  assert.ok(pixels.other < pixels.have / 10, `almost nothing else is painted (${JSON.stringify(pixels)})`);
  await canvas.screenshot({ path: join(tmpdir(), 'shoal-webui-pieces.png') });
  await page.screenshot({ path: join(tmpdir(), 'shoal-webui.png'), fullPage: true });
  // Per-piece data behind the picture.
  const pc = await call(d, 'GET', `/api/v1/torrents/${hash}/pieces`);
  assert.equal(pc.json.pieceCount, fx.meta.pieceCount);
  assert.equal(Buffer.from(pc.json.have, 'base64').length, Math.ceil(fx.meta.pieceCount / 8));
  assert.equal(Buffer.from(pc.json.availability, 'base64').length, fx.meta.pieceCount);

  // Stop, start with the row's buttons.
  await row.locator('button[data-action=stop]').click();
  await page.locator(`tr[data-hash="${hash}"][data-state="stopped"]`).waitFor();
  assert.equal((await call(d, 'GET', `/api/v1/torrents/${hash}`)).json.state, 'stopped');
  await row.locator('button[data-action=start]').click();
  await page.locator(`tr[data-hash="${hash}"][data-state="seeding"]`).waitFor();
  assert.equal((await call(d, 'GET', `/api/v1/torrents/${hash}`)).json.state, 'seeding');

  // Remove, with "delete data", after the confirmation dialog.
  await row.locator('button[data-action=remove]').click();
  await page.check('.modal input[name=deleteData]');
  await page.click('button[data-action=confirm-remove]');
  await row.waitFor({ state: 'detached' });
  await page.getByText('No torrents yet.').waitFor();
  assert.equal((await call(d, 'GET', `/api/v1/torrents/${hash}`)).status, 404);
  await until(async () => !existsSync(join(td.downloadDir, 'photos')), 5000, 'data deleted');

  // Share: the path is a typed field checked by the daemon; outside the roots -> its error is shown.
  await page.click('button[data-action=add]');
  await page.getByRole('tab', { name: 'Share a local path' }).click();
  assert.equal(await page.locator('.modal input[type=file]').count(), 0, 'no file browser of the daemon disk');
  assert.ok((await page.locator('.modal code').allTextContents()).every((r) => r === td!.shareDir), 'only the share roots are named');
  await page.fill('input[name=path]', '/etc');
  await page.click('.modal button[type=submit]');
  const alert = page.locator('.modal .error[role=alert]');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /outside|allowed|root/i);
  await page.keyboard.press('Escape');
  await page.locator('.modal').waitFor({ state: 'detached' });

  // The share check's 400 answer is the one expected failed resource.
  assert.deepEqual(problems.filter((p) => !p.includes('status of 400')), []);
});

test('web UI: asks for the token when the daemon wants one, then works with it', async (t) => {
  const why = missing();
  if (why) return t.skip(why);
  const td = await testDaemon({ webRoot, auth: 'always' });
  t.after(() => td.close());
  const { page, problems } = await browser(t);
  await page.goto(td.d.url + '/');
  await page.locator('.modal input[type=password]').fill(td.d.token);
  await page.click('.modal button[type=submit]');
  await page.getByText('No torrents yet.').waitFor();
  await page.locator('.live.on').waitFor();
  assert.equal(await page.evaluate('sessionStorage.getItem("shoal.token")'), td.d.token);
  // A magnet add shows at once as "fetching metadata" (event stream), stops and is removed from the row.
  const mhash = '5a'.repeat(20);
  const auth = { Authorization: `Bearer ${td.d.token}` };
  assert.equal((await call(td.d, 'POST', '/api/v1/torrents', { body: { magnet: `magnet:?xt=urn:btih:${mhash}&dn=pending` }, headers: auth })).status, 201);
  const mrow = page.locator(`tr[data-hash="${mhash}"][data-state="metadata"]`);
  await mrow.waitFor();
  assert.equal(await mrow.locator('td.name').textContent(), 'pending');
  assert.equal(await mrow.locator('.badge').textContent(), 'fetching metadata');
  await mrow.locator('button[data-action=stop]').click();
  await page.locator(`tr[data-hash="${mhash}"][data-state="stopped"]`).waitFor();
  await page.locator(`tr[data-hash="${mhash}"] button[data-action=remove]`).click();
  await page.click('button[data-action=confirm-remove]');
  await page.getByText('No torrents yet.').waitFor();
  assert.equal(td.d.manager.find(mhash), undefined);
  // The piece picture's cell colouring, run in the page: have / nowhere / copies, grouping when many.
  const kinds = await page.evaluate(`import('/pieces.js').then((m) => [
    m.cells(4, Uint8Array.of(0b10000000), Uint8Array.of(0, 0, 2, 9)).cells.map((c) => c.kind),
    m.cells(10000, new Uint8Array(1250).fill(255), new Uint8Array(10000)).group,
  ])`);
  assert.deepEqual(kinds, [['have', 'nowhere', 2, 5], 3]);
  // Vendor modules are fixed files; nothing else under /vendor.
  assert.equal((await call(td.d, 'GET', '/vendor/preact.mjs')).status, 200);
  assert.equal((await call(td.d, 'GET', '/vendor/..%2Fpackage.json')).status, 404);
  assert.equal((await call(td.d, 'GET', '/vendor/react.mjs')).status, 404);
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
});
