import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { InfoHash } from '../../src/core/infohash.js';
import {
  formatMagnet, MagnetError, magnetFromMetainfo, parseMagnet, parseTorrent, type Magnet,
} from '../../src/metainfo/index.js';
import { conformancePath, hasConformance, makeTorrent } from './fixtures.js';

const H = 'cd'.repeat(20);
const code = (c: string) => (e: unknown): boolean => e instanceof MagnetError && e.code === c;

test('parses hex and base32 btih, dn, tr, ws, x.pe and so', () => {
  const m = parseMagnet(
    `magnet:?xt=urn:btih:${H.toUpperCase()}&dn=My+File%20%C3%A9&tr=http%3A%2F%2Ft%2Fa&tr=udp://u:80&tr=http%3A%2F%2Ft%2Fa` +
      '&ws=https://w/f&x.pe=1.2.3.4:6881&x.pe=[::1]:7&x.pe=bad&x.pe=host.example:0&x.pe=host.example:99&so=3,0-1,1&junk&=x',
  );
  assert.equal(m.infoHash.hex, H);
  assert.equal(m.name, 'My File \u00e9');
  assert.deepEqual(m.trackers, ['http://t/a', 'udp://u:80']);
  assert.deepEqual(parseMagnet(`magnet:?xt=urn:btih:${H}&tr=http://a/%0D%0AHost:x&ws=http://w/%01`).trackers, []);
  assert.deepEqual(m.webSeeds, ['https://w/f']);
  assert.deepEqual(m.peers, ['1.2.3.4:6881', '[::1]:7', 'host.example:99']);
  assert.deepEqual(m.selectOnly, [0, 1, 3]);
  assert.equal(m.v2Hash, undefined);
  const b32 = InfoHash.parse(H).base32;
  assert.equal(parseMagnet(`MAGNET:?XT=urn:BTIH:${b32.toLowerCase()}`).infoHash.hex, H);
});

test('hybrid links keep the btmh hash; btmh-only links are refused as v2-only', () => {
  const v2 = 'ab'.repeat(32);
  const m = parseMagnet(`magnet:?xt=urn:btmh:1220${v2}&xt=urn:btih:${H}`);
  assert.equal(m.infoHash.hex, H);
  assert.equal(m.v2Hash, v2);
  assert.throws(() => parseMagnet(`magnet:?xt=urn:btmh:1220${v2}`), code('EV2_UNSUPPORTED'));
});

test('malformed links are MagnetErrors', () => {
  for (const bad of [
    'http://x', '', 'magnet:', 'magnet:?', 'magnet:?dn=x', `magnet:?xt=urn:btih:${H.slice(1)}`, `magnet:?xt=urn:btih:${H}0`,
    `magnet:?xt=urn:btih: ${H.slice(1)}`, 'magnet:?xt=urn:btih:' + 'z'.repeat(40), `magnet:?xt=urn:btih:${H}\n`,
    'magnet:?xt=urn:btmh:1221' + 'cd'.repeat(32), 'magnet:?xt=urn%%3A', `magnet:?xt=urn:btih:${H}&tr=%G1`, 'magnet:?xt=urn:sha1:PDAQRAOQQRYS76MRZJ33LK4MMVZBDSCL',
  ]) {
    assert.throws(() => parseMagnet(bad), (e: unknown) => e instanceof MagnetError && e.code === 'EMAGNET', JSON.stringify(bad));
  }
});

test('formatMagnet: so ranges compressed, values escaped, x.pe verbatim', () => {
  const ih = InfoHash.parse(H);
  assert.equal(formatMagnet({ infoHash: ih }), `magnet:?xt=urn:btih:${H}`);
  assert.equal(formatMagnet({ infoHash: ih, selectOnly: [0, 2, 3, 4] }), `magnet:?xt=urn:btih:${H}&so=0,2-4`);
  assert.equal(formatMagnet({ infoHash: ih, selectOnly: [5, 0, 1, 3, 4] }), `magnet:?xt=urn:btih:${H}&so=0-1,3-5`);
  assert.equal(formatMagnet({ infoHash: ih, selectOnly: [0, 2, 4] }), `magnet:?xt=urn:btih:${H}&so=0,2,4`);
  assert.equal(
    formatMagnet({ infoHash: ih, name: 'a b&c', trackers: ['http://t/a?x=1&y=2'], webSeeds: ['http://w/'], peers: ['[::1]:5'] }),
    `magnet:?xt=urn:btih:${H}&dn=a%20b%26c&tr=http%3A%2F%2Ft%2Fa%3Fx%3D1%26y%3D2&ws=http%3A%2F%2Fw%2F&x.pe=[::1]:5`,
  );
});

test('round trip: formatMagnet then parseMagnet preserves everything', () => {
  const url = fc.tuple(fc.constantFrom('http', 'https', 'udp'), fc.webUrl()).map(([s, u]) => u.replace(/^https?/, s));
  const magnet = fc.record({
    infoHash: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => InfoHash.fromBytes(b)),
    name: fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }),
    trackers: fc.uniqueArray(url, { maxLength: 4 }),
    webSeeds: fc.uniqueArray(fc.webUrl(), { maxLength: 3 }),
    peers: fc.uniqueArray(fc.oneof(fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`), fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `[${h}]:${p}`)), { maxLength: 3 }),
    selectOnly: fc.option(fc.uniqueArray(fc.nat(2000), { minLength: 1, maxLength: 20 }).map((a) => a.sort((x, y) => x - y)), { nil: undefined }),
    v2Hash: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')), { nil: undefined }),
  });
  fc.assert(
    fc.property(magnet, (m) => {
      const back = parseMagnet(formatMagnet(m));
      const want: Magnet = { infoHash: m.infoHash, trackers: m.trackers, webSeeds: m.webSeeds, peers: m.peers };
      if (m.name !== undefined) want.name = m.name;
      if (m.selectOnly !== undefined) want.selectOnly = m.selectOnly;
      if (m.v2Hash !== undefined) want.v2Hash = m.v2Hash;
      assert.deepEqual({ ...back, infoHash: back.infoHash.hex }, { ...want, infoHash: want.infoHash.hex });
    }),
    { numRuns: 500 },
  );
});

test('magnetFromMetainfo: xt, dn, every tracker, web seeds; btmh for hybrids', () => {
  const meta = parseTorrent(makeTorrent({ name: 'n x', top: { 'announce-list': [['http://a/1', 'http://b/2'], ['udp://c:1']], 'url-list': ['http://w/f'] } }));
  const uri = magnetFromMetainfo(meta);
  assert.equal(uri, `magnet:?xt=urn:btih:${meta.infoHash.hex}&dn=n%20x&tr=http%3A%2F%2Fa%2F1&tr=http%3A%2F%2Fb%2F2&tr=udp%3A%2F%2Fc%3A1&ws=http%3A%2F%2Fw%2Ff`);
  const m = parseMagnet(uri);
  assert.deepEqual([m.infoHash.hex, m.name, m.trackers, m.webSeeds], [meta.infoHash.hex, 'n x', ['http://a/1', 'http://b/2', 'udp://c:1'], ['http://w/f']]);
});

// ---- conformance: vectors.md section 4 ----

function section(md: string, from: string, to: string): string {
  const a = md.indexOf(from);
  return md.slice(a, md.indexOf(to, a + from.length));
}

/** Builds a URI from a table cell: `literal` pieces joined by '+', with H, H2, byte 0xNN, `z`×64. */
function cellUri(cell: string, h: string, h2: string): string {
  let out = '';
  for (const raw of cell.split(/\s*\+\s*(?=(?:[^`]*`[^`]*`)*[^`]*$)/)) {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    if (part === 'H') out += h;
    else if (part === 'H2') out += h2;
    else if ((m = /^byte 0x([0-9A-F]{2})$/i.exec(part))) out += String.fromCharCode(parseInt(m[1]!, 16));
    else if ((m = /^`([^`]*)`×(\d+)$/.exec(part))) out += m[1]!.repeat(Number(m[2]));
    else if ((m = /^`([^`]*)`$/.exec(part))) out += m[1]!.replace(/\\n/g, '\n').replace(/(btih(?::|%3A))H(?=&|$)/g, `$1${h}`);
    else throw new Error(`cannot read URI cell part ${JSON.stringify(part)}`);
  }
  return out;
}

const list = (s: string | undefined): string[] => (s === undefined || s.trim() === '' ? [] : s.split(',').map((x) => x.trim()));

test('conformance: libtorrent parse_magnet_uri cases (vectors.md 4.1)', (t) => {
  if (!hasConformance) return t.skip('../shared/conformance not found');
  const md = readFileSync(conformancePath('vectors.md'), 'utf8');
  const sec = section(md, '### 4.1', 'BEP 53 `so=` handling');
  const h = /`H` = `([0-9a-f]{40})`/.exec(sec)![1]!;
  const h2 = 'cd'.repeat(32);
  // Deliberate differences: shoal needs a v1 info-hash (btmh-only links are v2-only; a link
  // with no xt at all names nothing to download).
  const differ: Record<string, string> = { '17': 'btmh-only link refused: EV2_UNSUPPORTED', '28': 'no xt: refused (missing info-hash)' };
  let passed = 0;
  let rows = 0;
  for (const line of sec.split('\n')) {
    const m = /^\| (\d+) \| (.+) \| (.+) \|$/.exec(line);
    if (!m) continue;
    rows++;
    const [, num, uriCell, expected] = m as unknown as [string, string, string, string];
    const uri = cellUri(uriCell, h, h2);
    if (differ[num]) {
      assert.throws(() => parseMagnet(uri), MagnetError, `row ${num}`);
      t.diagnostic(`row ${num} differs deliberately: ${differ[num]}`);
      continue;
    }
    if (expected.startsWith('error')) {
      assert.throws(() => parseMagnet(uri), MagnetError, `row ${num} ${uri}`);
      passed++;
      continue;
    }
    const got = parseMagnet(uri);
    const v1 = /v1 = (H|[0-9a-f]{40})\b/.exec(expected);
    if (v1) assert.equal(got.infoHash.hex, v1[1] === 'H' ? h : v1[1], `row ${num}`);
    const v2 = /v2 = H2/.exec(expected);
    if (v2) assert.equal(got.v2Hash, h2, `row ${num}`);
    const name = /name `([^`]*)`/.exec(expected);
    if (name) assert.equal(got.name, name[1], `row ${num}`);
    const trackers = /trackers (?:\[([^\]]*)\]|\{([^}]*)\})/.exec(expected);
    if (trackers) assert.deepEqual(got.trackers, list(trackers[1] ?? trackers[2]), `row ${num}`);
    const count = /(\d) trackers/.exec(expected);
    if (count) assert.equal(got.trackers.length, Number(count[1]), `row ${num}`);
    if (/^trackers in order/.test(expected)) assert.deepEqual(got.trackers, [...expected.matchAll(/`([^`]+)`/g)].map((x) => x[1]), `row ${num}`);
    const seeds = /url_seeds \[([^\]]*)\]/.exec(expected);
    if (seeds) assert.deepEqual(got.webSeeds, [...seeds[1]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]), `row ${num}`);
    const peers = /peers \[(.*)\]/.exec(expected);
    if (peers) assert.deepEqual(got.peers, list(peers[1]), `row ${num}`);
    passed++;
  }
  assert.ok(rows >= 30, `${rows} rows`);
  t.diagnostic(`${passed} of ${rows} rows agree; ${rows - passed} differ deliberately`);
});

test('conformance: BEP 53 so= cases (vectors.md 4.1)', (t) => {
  if (!hasConformance) return t.skip('../shared/conformance not found');
  const md = readFileSync(conformancePath('vectors.md'), 'utf8');
  const sec = section(md, 'BEP 53 `so=` handling', 'libtorrent `make_magnet_uri`');
  let rows = 0;
  for (const line of sec.split('\n')) {
    const m = /^\| `([^`]+)` \| (.+) \|$/.exec(line);
    if (!m) continue;
    rows++;
    const got = parseMagnet(`magnet:?xt=urn:btih:${H}&dn=foo${m[1]}`);
    const want = m[2]!.startsWith('none') ? undefined : list(/^([\d,]+)/.exec(m[2]!)![1]).map(Number);
    assert.deepEqual(got.selectOnly, want, line);
  }
  assert.equal(rows, 12);
});

test('conformance: magnet-uri, parse-torrent and anacrolix cases (vectors.md 4.2-4.4, 1.1)', (t) => {
  if (!hasConformance) return t.skip('../shared/conformance not found');
  const md = readFileSync(conformancePath('vectors.md'), 'utf8');
  const s42 = section(md, '### 4.2', 'Encode (exact output strings)');
  const L = /^`L` =\n`([^`]+)`/m.exec(s42)![1]!;
  const leaves = parseMagnet(L);
  assert.equal(leaves.name, 'Leaves of Grass by Walt Whitman.epub');
  assert.equal(leaves.infoHash.hex, 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36');
  assert.equal(leaves.v2Hash, 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36d2474e86c95b19b8bcfdb92b');
  assert.equal(leaves.trackers.length, 5);
  let checked = 1;
  for (const line of s42.split('\n')) {
    const m = /^\| `(magnet:\?xt=urn:btih:[^`]+)` \| (.+) \|$/.exec(line);
    if (!m) continue;
    const got = parseMagnet(m[1]!);
    const ih = /infoHash ([0-9a-f]{40})/.exec(m[2]!);
    if (ih) assert.equal(got.infoHash.hex, ih[1]);
    const so = /so = \[([\d,]+)\]/.exec(m[2]!);
    if (so) assert.deepEqual(got.selectOnly, list(so[1]).map(Number));
    checked++;
  }
  // x.pe rows ('…&x.pe=…' on the Leaves hash): peer addresses, deduplicated
  for (const line of s42.split('\n')) {
    const m = /^\| `…(&x\.pe=[^`]+)` \| .*peerAddresses = \[(.*)\]/.exec(line);
    if (!m) continue;
    const got = parseMagnet(`magnet:?xt=urn:btih:d2474e86c95b19b8bcfdb92bc12c9d44667cfa36${m[1]}`);
    assert.deepEqual(got.peers, [...m[2]!.matchAll(/'([^']+)'/g)].map((x) => x[1]));
    checked++;
  }
  // parse-torrent: non-BitTorrent URNs must throw
  const s43 = section(md, '### 4.3', '### 4.4');
  const nonBt = [...s43.slice(s43.indexOf('Non-BitTorrent')).matchAll(/`(magnet:\?xt=urn:[^`]+)`/g)].map((x) => x[1]!);
  assert.equal(nonBt.length, 7);
  for (const u of nonBt) assert.throws(() => parseMagnet(u), code('EMAGNET'), u);
  checked += nonBt.length;
  // anacrolix / BEP 52 reference links (section 1.1)
  const links = [...section(md, '### 1.1', '### 1.2').matchAll(/`(magnet:\?[^`]+)`/g)].map((x) => x[1]!);
  assert.equal(links.length, 2);
  assert.throws(() => parseMagnet(links[0]!), code('EV2_UNSUPPORTED'));
  const hy = parseMagnet(links[1]!);
  assert.equal(hy.infoHash.hex, '631a31dd0a46257d5078c0dee4e66e26f73e42ac');
  assert.equal(hy.v2Hash, 'd8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb');
  assert.equal(hy.name, 'bittorrent-v1-v2-hybrid-test');
  checked += 2;
  t.diagnostic(`${checked} magnet cases checked (the btmh-only link differs deliberately: EV2_UNSUPPORTED)`);
});

test('conformance: libtorrent make_magnet_uri so= encoding (vectors.md 4.1)', (t) => {
  if (!hasConformance) return t.skip('../shared/conformance not found');
  const md = readFileSync(conformancePath('vectors.md'), 'utf8');
  const sec = section(md, 'libtorrent `make_magnet_uri`', 'Round trip (lt');
  const ih = InfoHash.fromBytes(Buffer.alloc(20, 0x61));
  let rows = 0;
  for (const line of sec.split('\n')) {
    const m = /^\| (?:v1 = "a"×20, )?priorities \[([\d,]+)\] \| `[^`]*?(&so=[\d,-]+)?` (?:\(no so\) )?\|$/.exec(line);
    if (!m) continue;
    rows++;
    const selected = m[1]!.split(',').map(Number).flatMap((p, i) => (p !== 0 ? [i] : []));
    const all = selected.length === m[1]!.split(',').length;
    const uri = formatMagnet({ infoHash: ih, ...(!all && { selectOnly: selected }) });
    assert.equal(uri, `magnet:?xt=urn:btih:${'61'.repeat(20)}${m[2] ?? ''}`, line);
  }
  assert.equal(rows, 6);
});
