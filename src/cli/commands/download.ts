import { resolve } from 'node:path';
import { ShoalError } from '../../core/errors.js';
import { Client } from '../../engine/client.js';
import { parseHostPort } from '../../engine/swarm.js';
import type { Torrent } from '../../engine/torrent.js';
import type { AddOptions } from '../../engine/types.js';
import { parseTorrent } from '../../metainfo/parse.js';
import type { Metainfo } from '../../metainfo/types.js';
import { UsageError, type Command, type ParsedValues } from '../command.js';
import { formatBytes, formatDuration, formatRate } from '../format.js';
import { intOption, list, str } from './args.js';
import { healthText } from '../progress.js';
import type { HealthFigures } from '../../engine/health.js';
import { readTorrentFile } from './info.js';
import { DHT_OPTIONS, DHT_USAGE, LSD_OPTIONS, LSD_USAGE, discoveryFromFlags } from './discovery-flags.js';

export const downloadCommand: Command = {
  name: 'download',
  usage: `usage: shoal download FILE.torrent|MAGNET|INFOHASH [-o DIR] [--peer HOST:PORT]... [options]

Downloads into DIR (default: the current folder); the torrent's file or folder goes
inside DIR under the torrent's name. Announces to the torrent's trackers and connects
to every --peer. Exits 0 once every selected piece is verified on disk, or keeps
seeding with --seed until Ctrl-C (which announces 'stopped' and exits cleanly).
Running the same command again resumes: verified pieces are kept, and after a clean
stop nothing is re-hashed. Resume data lives in DIR/.shoal/<infohash>.resume.
A magnet link (or a bare 40-hex / 32-base32 info-hash) first fetches the metadata
from peers (its x.pe peers, --peer, its trackers, the DHT), saves it as
DIR/<name>.torrent (DIR/<name>.1.torrent… if a different file is there) and then
downloads it; its so= files are selected unless --select is given.

Options:
  -o, --output DIR        download folder (default: .)
      --peer HOST:PORT    connect to this peer (repeatable; IPv6 as [::1]:6881)
      --port N            TCP port for incoming peers (default: any free port)
      --seed              keep seeding after the download completes
      --max-peers N       peer connections for this torrent (default 50)
      --select LIST       only these files: indexes from \`shoal info\`, e.g. 0,2,5-7
      --sequential        download pieces in order (for streaming)
      --metadata-only     magnet: save the .torrent in DIR, print its path, exit 0
      --metadata-timeout S  magnet: give up fetching metadata after S seconds
${DHT_USAGE}
${LSD_USAGE}
  -q, --quiet             no progress output
      --json              one JSON event per line on stdout`,
  options: {
    output: { type: 'string', short: 'o' },
    peer: { type: 'string', multiple: true },
    port: { type: 'string' },
    seed: { type: 'boolean' },
    'max-peers': { type: 'string' },
    select: { type: 'string' },
    sequential: { type: 'boolean' },
    'metadata-only': { type: 'boolean' },
    'metadata-timeout': { type: 'string' },
    ...DHT_OPTIONS,
    ...LSD_OPTIONS,
    quiet: { type: 'boolean', short: 'q' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('expected one .torrent file or magnet link');
    const src = positionals[0]!;
    if (/^magnet:/i.test(src) || /^[0-9a-f]{40}$/i.test(src) || /^[a-z2-7]{32}$/i.test(src)) {
      return (await import('./magnet-fetch.js')).downloadMagnet(src, values);
    }
    if (values['metadata-only'] === true) throw new UsageError('--metadata-only needs a magnet link or info-hash');
    const meta = parseTorrent(await readTorrentFile(src));
    const dir = resolve(str(values, 'output') ?? '.');
    const select = parseSelect(str(values, 'select'), meta.files.length);
    checkPeers(list(values, 'peer'));
    return transfer(meta, values, {
      path: dir,
      peers: list(values, 'peer'),
      seed: values.seed === true,
      sequential: values.sequential === true,
      ...(select && { select }),
      ...(intOption(values, 'max-peers', 1, 10_000) !== undefined && { maxPeers: intOption(values, 'max-peers', 1, 10_000)! }),
    });
  },
};

/** --peer values must be HOST:PORT (usage error otherwise). */
export function checkPeers(peers: readonly string[]): void {
  for (const p of peers) if (!parseHostPort(p)) throw new UsageError(`--peer: expected HOST:PORT (IPv6 as [::1]:6881), got ${p}`);
}

/** '0,2,5-7' -> [0, 2, 5, 6, 7]; undefined when absent. Usage errors for bad input. */
export function parseSelect(s: string | undefined, fileCount: number): number[] | undefined {
  if (s === undefined) return undefined;
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`--select: expected file indexes like 0,2,5-7, got ${s}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b >= fileCount) throw new UsageError(`--select: file index out of range 0..${fileCount - 1}: ${part.trim()}`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** What a command's leave step (e.g. `seed --drain`) may use while the torrent is still open. */
export interface StopIO {
  /** A line of its own (above the status line). */
  note(msg: string): void;
  /** Replaces the status line (progress updates pause while this is used). */
  status(line: string): void;
  /** A --json event. */
  emit(o: Record<string, unknown>): void;
}

/** Runs before the client closes on Ctrl-C/SIGTERM; a second signal aborts it. */
export type BeforeStop = (t: Torrent, io: StopIO, signal: AbortSignal) => Promise<void>;

/**
 * Runs one torrent to completion (or seeds until a signal) with progress output; shared by
 * `download` and `seed`. Returns the exit code.
 */
export async function transfer(meta: Metainfo, values: ParsedValues, add: AddOptions & { seed: boolean }, opts: { requireComplete?: boolean; beforeStop?: BeforeStop; client?: Client } = {}): Promise<number> {
  const json = values.json === true;
  const quiet = values.quiet === true;
  const port = intOption(values, 'port', 0, 65535) ?? 0;
  const emit = (o: Record<string, unknown>): void => {
    if (json) process.stdout.write(`${JSON.stringify(o)}\n`);
  };
  // A magnet download brings the client that fetched its metadata (DHT included).
  const client = opts.client ?? new Client({ port, discovery: discoveryFromFlags(values, add.path, meta.private, emit) });
  const started = performance.now();
  let torrent: Torrent;
  try {
    await client.ready();
    torrent = await client.add(meta, add);
  } catch (e) {
    await client.close();
    throw e;
  }
  const t = torrent;
  const view = new StatusLine(meta.name, quiet || json);
  emit({ event: 'start', name: meta.name, infoHash: meta.infoHash.hex, pieceCount: meta.pieceCount, pieceLength: meta.pieceLength, totalBytes: meta.totalLength, wantedBytes: t.progress().wantedBytes, havePieces: t.have.count, checkedPieces: t.checkedPieces, fromResume: t.fromResume, port: client.listenPort });
  if (opts.requireComplete && !t.have.complete) {
    await client.close();
    throw new ShoalError('EINCOMPLETE', `${meta.name}: data is incomplete (${t.have.count}/${meta.pieceCount} pieces good); nothing to seed`);
  }
  return new Promise<number>((done) => {
    let finished = false;
    const finish = async (code: number, why: string): Promise<void> => {
      if (finished) return;
      finished = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      view.end();
      await client.close();
      emit({ event: 'stopped', reason: why, downloaded: t.downloaded, uploaded: t.uploaded });
      done(code);
    };
    let leaving: AbortController | undefined;
    const onSignal = (): void => {
      if (leaving !== undefined) return leaving.abort(); // second signal: leave now
      const before = opts.beforeStop;
      if (before === undefined || finished) return void finish(0, 'signal');
      leaving = new AbortController();
      const io: StopIO = { note: (m) => view.note(m), status: (l) => view.status(l), emit };
      void before(t, io, leaving.signal)
        .catch((e: unknown) => view.note(`shoal: ${(e as Error).message}`))
        .finally(() => void finish(0, 'signal'));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    t.on('piece', (index) => emit({ event: 'piece', index, have: t.have.count }));
    t.on('peer', (p) => emit({ event: 'peer', ...p }));
    t.on('warning', (message) => {
      emit({ event: 'warning', message });
      if (!json && !quiet) view.note(`warning: ${message}`);
    });
    t.on('progress', (p) => {
      emit({ event: 'progress', ...p, eta: Number.isFinite(p.eta) ? p.eta : null });
      view.update(p.progress, p.downloadRate, p.uploadRate, p.peers, p.eta, p.state, p.health);
    });
    t.on('error', (e) => {
      emit({ event: 'error', message: e.message });
      void finish(1, 'error').then(() => {
        if (!json) process.stderr.write(`shoal: ${e.message}\n`);
      });
    });
    t.once('complete', () => emit({ event: 'complete', seconds: (performance.now() - started) / 1000 }));
    const onDone = (): void => {
      const seconds = (performance.now() - started) / 1000;
      emit({ event: 'done', seconds, downloaded: t.downloaded, uploaded: t.uploaded });
      view.note(`${meta.name}: complete (${formatBytes(t.progress().wantedBytes)}, ${formatBytes(t.downloaded)} downloaded in ${formatDuration(seconds)})${add.seed ? '; seeding, Ctrl-C to stop' : ''}`);
      if (!add.seed) void finish(0, 'done');
    };
    if (t.done) onDone();
    else t.once('done', onDone);
  });
}

/** The progress display: a redrawn line on a TTY, a plain line every 5 s otherwise. */
class StatusLine {
  private readonly tty = process.stderr.isTTY === true;
  private last = 0;
  private drawn = false;
  private held = false;

  constructor(
    private readonly name: string,
    private readonly silent: boolean,
  ) {}

  update(progress: number, down: number, up: number, peers: number, eta: number, state: string, health?: HealthFigures): void {
    if (this.silent || this.held) return;
    const now = performance.now();
    if (!this.tty && now - this.last < 5000) return;
    this.last = now;
    const swarm = health === undefined ? '' : `  ${healthText(health)}`;
    this.draw(`${this.name} ${(progress * 100).toFixed(1)}%  down ${formatRate(down)}  up ${formatRate(up)}  ${peers} peer${peers === 1 ? '' : 's'}${swarm}  ${state === 'seeding' ? 'seeding' : `ETA ${formatDuration(eta)}`}`);
  }

  /** A line of the caller's instead of the progress (which stops updating). */
  status(line: string): void {
    if (this.silent) return;
    const first = !this.held;
    this.held = true;
    const now = performance.now();
    if (!first && !this.tty && now - this.last < 5000) return;
    this.last = now;
    this.draw(line);
  }

  private draw(line: string): void {
    if (this.tty) {
      const cols = process.stderr.columns ?? 100;
      process.stderr.write(`\r\x1b[K${line.slice(0, cols - 1)}`);
      this.drawn = true;
    } else process.stderr.write(`${line}\n`);
  }

  note(msg: string): void {
    if (this.silent) return;
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${msg}\n`);
    this.drawn = false;
  }

  end(): void {
    if (this.silent || !this.tty || !this.drawn) return;
    process.stderr.write('\n');
    this.drawn = false;
  }
}
