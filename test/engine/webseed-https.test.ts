// A web seed over HTTPS (BEP 19), through the CLI: a certificate the process trusts (here
// through Node's NODE_EXTRA_CA_CERTS, as a user with a private CA would) serves the whole
// torrent; one it does not trust is refused with a warning naming the certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { ShoalProc } from '../helpers/shoal-proc.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';
import { startWebSeedServer } from './webseed-server.js';

const noOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0 ? 'needs the openssl command (Debian package openssl) to make a test certificate' : false;

test('https web seed: trusted certificate downloads byte-identical, an untrusted one is refused with a warning', { skip: noOpenssl }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-webseed-tls-');
  t.after(cleanup);
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2', '-keyout', key, '-out', cert], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const srv = await startWebSeedServer({ root: join(dir, 'seed'), tls: { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') } });
  t.after(() => srv.close());
  assert.ok(srv.base.startsWith('https://'));
  const fx = await makeFixture(dir, 'tls.bin', { x: 700_001 }, 65536, { single: true, webSeeds: [srv.base] });

  const untrusted = ShoalProc.download(fx.torrentPath, { out: join(dir, 'out-untrusted'), extraArgs: ['--no-dht', '--no-lsd'] });
  t.after(() => untrusted.stop('SIGKILL'));
  const w = await within(
    untrusted.next((e) => e.kind === 'warning' && /certificate/i.test(String(e.raw.message))),
    20_000,
    'a warning about the untrusted certificate',
  );
  assert.match(String(w.raw.message), /certificate/i);
  await untrusted.stop('SIGKILL');

  const out = join(dir, 'out');
  const trusted = ShoalProc.download(fx.torrentPath, { out, extraArgs: ['--no-dht', '--no-lsd'], env: { NODE_EXTRA_CA_CERTS: cert } });
  t.after(() => trusted.stop('SIGKILL'));
  assert.equal(await within(trusted.finished(), 30_000, 'download from the https web seed'), 0, trusted.stderr);
  assert.ok((await readTree(out)).get('tls.bin')!.equals((await readTree(fx.seedDir)).get('tls.bin')!));
  assert.ok(srv.requests.some((r) => r.status === 206), 'ranges were served over TLS');
});
