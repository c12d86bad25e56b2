// A stand-in for `shoal download` / `shoal seed` built on the engine's library API
// (src/engine Client), emitting the same kind of `--json` lines. Tests and benchmarks use it
// when dist/cli has no download/seed command yet, so the engine is exercised as a separate
// process either way. Usage:
//   node build/test/helpers/engine-runner.js download TORRENT -o DIR [--peer H:P]… [--port N] [--seed]
//   node build/test/helpers/engine-runner.js seed TORRENT PATH [--port N] [--peer H:P]…
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '../../src/engine/index.js';

function emit(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      peer: { type: 'string', multiple: true },
      port: { type: 'string' },
      seed: { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
  });
  const torrentPath = positionals[0];
  if ((command !== 'download' && command !== 'seed') || !torrentPath) throw new Error('usage: engine-runner download|seed TORRENT …');
  const seeding = command === 'seed';
  let dir: string;
  if (seeding) {
    const data = positionals[1];
    if (!data) throw new Error('seed needs the data PATH');
    // Same mapping as `shoal seed`: the storage root is PATH's folder, PATH is the torrent's name.
    dir = dirname(data);
  } else {
    dir = values.out ?? '.';
  }
  const client = new Client({ port: values.port ? Number(values.port) : 0, host: '127.0.0.1', minAnnounceInterval: 5 });
  const port = await client.ready();
  emit({ event: 'listening', port });
  const keep = seeding || values.seed === true;
  const t = await client.add(torrentPath, { path: dir, peers: values.peer ?? [], seed: keep });
  t.on('piece', (index) => emit({ event: 'piece', index }));
  t.on('peer', (e) => emit({ event: 'peer', ...e }));
  t.on('warning', (message) => emit({ event: 'warning', message }));
  t.on('progress', (p) => emit({ event: 'progress', ...p, eta: Number.isFinite(p.eta) ? p.eta : null }));
  const failed = new Promise<Error>((res) => t.on('error', (e) => res(e)));
  let stop: () => void = () => {};
  const stopped = new Promise<void>((res) => (stop = res));
  process.once('SIGINT', () => stop());
  process.once('SIGTERM', () => stop());
  const outcome = await Promise.race([t.whenDone().then(() => 'done' as const), failed, stopped.then(() => 'stopped' as const)]);
  if (outcome instanceof Error) {
    emit({ event: 'error', message: outcome.message });
    await client.close();
    return 1;
  }
  if (outcome === 'done') {
    emit({ event: 'done', downloaded: t.downloaded, uploaded: t.uploaded });
    if (keep) await stopped;
  }
  await client.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`engine-runner: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
