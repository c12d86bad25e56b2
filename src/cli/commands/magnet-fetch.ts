import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client } from '../../engine/client.js';
import type { MetadataProgress } from '../../engine/metadata/fetch.js';
import { parseMagnetSource } from '../../engine/metadata/source.js';
import type { MetadataResult } from '../../engine/metadata/types.js';
import type { ParsedValues } from '../command.js';
import { intOption, list, str } from './args.js';
import { checkPeers, parseSelect, transfer } from './download.js';
import { discoveryFromFlags } from './discovery-flags.js';

/** Largest suffix tried when DIR/<name>.torrent exists with other content. */
const MAX_SUFFIX = 100;

/**
 * `shoal download MAGNET|INFOHASH`: fetches the metadata from peers (x.pe, --peer, the
 * magnet's trackers, the DHT) with a progress line, saves DIR/<name>.torrent (never over a
 * different file), then downloads as with a .torrent; with --metadata-only it stops there.
 */
export async function downloadMagnet(src: string, values: ParsedValues): Promise<number> {
  const magnet = parseMagnetSource(src);
  const peers = list(values, 'peer');
  checkPeers(peers);
  const json = values.json === true;
  const quiet = values.quiet === true;
  const emit = (o: Record<string, unknown>): void => {
    if (json) process.stdout.write(`${JSON.stringify(o)}\n`);
  };
  const dir = resolve(str(values, 'output') ?? '.');
  const timeout = intOption(values, 'metadata-timeout', 1, 86_400);
  const port = intOption(values, 'port', 0, 65535) ?? 0;
  const maxPeers = intOption(values, 'max-peers', 1, 10_000);
  const client = new Client({ port, discovery: discoveryFromFlags(values, dir, false, emit) });
  const label = magnet.name ?? magnet.infoHash.hex;
  const line = new FetchLine(quiet || json);
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let r: MetadataResult;
  let saved: string;
  try {
    await client.ready();
    emit({ event: 'metadata-start', infoHash: magnet.infoHash.hex, name: magnet.name ?? null, trackers: magnet.trackers.length, peers: magnet.peers.length + peers.length });
    r = await client.fetchMetadata(magnet, {
      peers,
      signal: ac.signal,
      ...(timeout !== undefined && { metadataTimeout: timeout * 1000 }),
      onMetadataProgress: (p) => {
        emit({ event: 'metadata-progress', ...p, size: p.size ?? null });
        line.update(`fetching metadata for ${label}: ${describe(p)}`);
      },
      onMetadataWarning: (message) => emit({ event: 'warning', message }),
    });
    saved = await saveTorrent(dir, r.metainfo.name, r.torrent);
  } catch (e) {
    line.end();
    await client.close();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  line.end();
  const m = r.metainfo;
  emit({ event: 'metadata', infoHash: m.infoHash.hex, name: m.name, size: m.infoBytes.length, files: m.files.length, totalBytes: m.totalLength, torrent: saved });
  line.note(`${m.name}: metadata received (${m.files.length} file${m.files.length === 1 ? '' : 's'}), saved ${saved}`);
  if (values['metadata-only'] === true) {
    await client.close();
    if (!json) process.stdout.write(`${saved}\n`);
    return 0;
  }
  const so = r.magnet.selectOnly?.filter((i) => i < m.files.length);
  const select = parseSelect(str(values, 'select'), m.files.length) ?? (so !== undefined && so.length > 0 ? so : undefined);
  return transfer(
    m,
    values,
    {
      path: dir,
      peers: [...new Set([...peers, ...r.magnet.peers])],
      seed: values.seed === true,
      sequential: values.sequential === true,
      ...(select && { select }),
      ...(maxPeers !== undefined && { maxPeers }),
    },
    { client },
  );
}

function describe(p: MetadataProgress): string {
  const pieces = p.pieceCount > 0 ? `, ${p.piecesHave}/${p.pieceCount} pieces` : '';
  return `${p.connected} connected, ${p.offering} offering metadata (${p.known} known)${pieces}`;
}

/**
 * Writes DIR/<name>.torrent, or <name>.1.torrent… when a file with other content is there
 * (an identical one is kept). Returns the path.
 */
export async function saveTorrent(dir: string, name: string, bytes: Buffer): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i <= MAX_SUFFIX; i++) {
    const path = join(dir, i === 0 ? `${name}.torrent` : `${name}.${i}.torrent`);
    try {
      await writeFile(path, bytes, { flag: 'wx' });
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const have = await readFile(path).catch(() => undefined);
      if (have !== undefined && have.equals(bytes)) return path;
    }
  }
  throw new Error(`cannot save the .torrent: ${join(dir, `${name}.torrent`)} and ${MAX_SUFFIX} alternatives exist`);
}

/** The "fetching metadata" line: redrawn on a TTY, a plain line every 5 s otherwise. */
class FetchLine {
  private readonly tty = process.stderr.isTTY === true;
  private last = -Infinity;
  private drawn = false;

  constructor(private readonly silent: boolean) {}

  update(text: string): void {
    if (this.silent) return;
    const now = performance.now();
    if (!this.tty && now - this.last < 5000) return;
    this.last = now;
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns ?? 100) - 1)}`);
      this.drawn = true;
    } else process.stderr.write(`${text}\n`);
  }

  note(msg: string): void {
    if (this.silent) return;
    this.end();
    process.stderr.write(`${msg}\n`);
  }

  end(): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}
