import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from '../../src/bencode/decode.js';
import { UsageError } from '../../src/cli/command.js';
import { trackerCommand } from '../../src/cli/commands/tracker.js';
import { buildAnnounceUrl } from '../../src/tracker/protocol/announce.js';
import { start } from '../interop/tracker/procs.js';
import { httpRequest, infoHash, peerId } from './helpers.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const RUN = join(repoRoot, 'build/test/interop/tracker/run-tracker.js');

test('shoal tracker: usage errors are UsageError before anything listens', async () => {
  const bad: Record<string, string | boolean>[] = [
    { allow: 'a', deny: 'b' },
    { http: '99999' },
    { udp: 'x' },
    { store: 'mysql://x' },
    { 'announce-interval': '0' },
  ];
  for (const v of bad) await assert.rejects(trackerCommand.run(v, []), UsageError, JSON.stringify(v));
  await assert.rejects(trackerCommand.run({}, ['extra']), UsageError);
  assert.match(trackerCommand.usage, /--store memory\|redis/);
  assert.equal(trackerCommand.name, 'tracker');
});

test('shoal tracker process: prints its addresses, reloads the allow list on SIGHUP, exits 0 on SIGTERM', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-tracker-cli-'));
  try {
    const allow = join(dir, 'allow.txt');
    const a = infoHash(1);
    const b = infoHash(2);
    await writeFile(allow, `${a.toString('hex')}\n`);
    const p = start(process.execPath, [RUN, '--host', '127.0.0.1', '--http', '0', '--udp', '0', '--allow', allow, '--announce-interval', '60']);
    const port = Number((await p.waitFor(/listening http:\/\/127\.0\.0\.1:(\d+)\/announce/))[1]);
    await p.waitFor(/listening udp:\/\/127\.0\.0\.1:\d+\/announce/);
    const ask = async (h: Buffer) => {
      const url = buildAnnounceUrl('/announce', { infoHash: h, peerId: peerId(1), port: 7000, uploaded: 0, downloaded: 0, left: 1, event: 'started', numWant: undefined, compact: true, noPeerId: false });
      return decode((await httpRequest(port, url)).body) as Map<string, unknown>;
    };
    assert.ok((await ask(a)).has('interval'));
    assert.ok((await ask(b)).has('failure reason'));
    await writeFile(allow, `${a.toString('hex')}\n${b.toString('hex')}\n`);
    p.child.kill('SIGHUP');
    await p.waitFor(/reloaded 2 info-hashes/);
    assert.ok((await ask(b)).has('interval'));
    p.child.kill('SIGTERM');
    assert.equal(await p.exit(10_000), 0);
    assert.match(p.output(), /SIGTERM, closing/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
