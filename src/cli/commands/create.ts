import { access, constants } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ShoalError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs.js';
import { createTorrent } from '../../metainfo/create.js';
import { parseTorrent } from '../../metainfo/parse.js';
import { magnetFromMetainfo } from '../../metainfo/magnet.js';
import { UsageError, type Command } from '../command.js';
import { formatBytes } from '../format.js';
import { Progress } from '../progress.js';
import { parseBytes } from '../format.js';
import { intOption, list, str } from './args.js';

export const createCommand: Command = {
  name: 'create',
  usage: `usage: shoal create PATH [options]

Hashes PATH (a file, or a folder and everything in it) and writes a .torrent.

Options:
  -o, --output FILE         where to write the .torrent (default: NAME.torrent here)
  -t, --tracker URL         announce URL; repeat for more tiers, or join URLs of one
                            tier with commas
  -w, --web-seed URL        web seed (BEP 19 url-list); repeatable
  -l, --piece-length BYTES  piece size, a power of two from 16K to 256M (e.g. 262144,
                            256K, 1M). Default: chosen for about 1,000-2,000 pieces
  -p, --private             set the private flag (BEP 27: no DHT, PEX or LSD)
  -c, --comment TEXT        comment stored in the torrent
  -n, --name NAME           torrent name (default: the base name of PATH)
      --no-date             do not store a creation date
      --threads N           hashing threads (default: every core)
  -f, --force               overwrite the output file if it exists
  -q, --quiet               no progress bar
      --json                print the result as one JSON object`,
  options: {
    output: { type: 'string', short: 'o' },
    tracker: { type: 'string', short: 't', multiple: true },
    'web-seed': { type: 'string', short: 'w', multiple: true },
    'piece-length': { type: 'string', short: 'l' },
    private: { type: 'boolean', short: 'p' },
    comment: { type: 'string', short: 'c' },
    name: { type: 'string', short: 'n' },
    'no-date': { type: 'boolean' },
    threads: { type: 'string' },
    force: { type: 'boolean', short: 'f' },
    quiet: { type: 'boolean', short: 'q' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('expected exactly one PATH to hash');
    const input = positionals[0]!;
    let pieceLength: number | undefined;
    const pl = str(values, 'piece-length');
    if (pl !== undefined) {
      pieceLength = parseBytes(pl);
      if (pieceLength === undefined) throw new UsageError(`--piece-length: not a byte count: ${pl}`);
    }
    const threads = intOption(values, 'threads', 1, 256);
    const trackers = list(values, 'tracker').map((t) => t.split(',').map((u) => u.trim()).filter(Boolean));
    for (const url of trackers.flat()) checkUrl(url, '--tracker', ['http:', 'https:', 'udp:', 'wss:', 'ws:']);
    const webSeeds = list(values, 'web-seed');
    for (const url of webSeeds) checkUrl(url, '--web-seed', ['http:', 'https:', 'ftp:']);

    // Refuse an existing output before spending time on hashing.
    const out = resolve(str(values, 'output') ?? `${str(values, 'name') ?? basename(resolve(input))}.torrent`);
    if (values.force !== true && (await exists(out))) {
      throw new ShoalError('EEXIST', `${out} already exists (use --force to overwrite)`, { path: out });
    }

    const quiet = values.quiet === true || values.json === true;
    let bar: Progress | undefined;
    const ac = new AbortController();
    const onSignal = (): void => ac.abort();
    process.once('SIGINT', onSignal);
    let result;
    try {
      result = await createTorrent(resolve(input), {
        announce: trackers,
        webSeeds,
        ...(pieceLength !== undefined && { pieceLength }),
        private: values.private === true,
        ...(str(values, 'comment') !== undefined && { comment: str(values, 'comment') }),
        ...(str(values, 'name') !== undefined && { name: str(values, 'name') }),
        ...(values['no-date'] === true && { creationDate: false as const }),
        ...(threads !== undefined && { threads }),
        signal: ac.signal,
        onProgress(done, total) {
          bar ??= new Progress({ label: 'hashing', total, quiet });
          bar.update(done);
        },
      });
    } finally {
      process.off('SIGINT', onSignal);
    }
    bar?.update(result.totalLength);
    bar?.finish();

    await writeFileAtomic(out, result.torrent);
    const meta = parseTorrent(result.torrent);
    const magnet = magnetFromMetainfo(meta);
    if (values.json === true) {
      process.stdout.write(
        `${JSON.stringify({
          output: out,
          name: result.name,
          infoHash: result.infoHash.hex,
          totalLength: result.totalLength,
          pieceLength: result.pieceLength,
          pieceCount: result.pieceCount,
          fileCount: result.fileCount,
          magnet,
        })}\n`,
      );
    } else {
      process.stdout.write(
        [
          `wrote ${out}`,
          `name:       ${result.name}`,
          `info-hash:  ${result.infoHash.hex}`,
          `size:       ${formatBytes(result.totalLength)} in ${result.fileCount} file${result.fileCount === 1 ? '' : 's'}`,
          `pieces:     ${result.pieceCount} x ${formatBytes(result.pieceLength)}`,
          `magnet:     ${magnet}`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  },
};

function checkUrl(url: string, flag: string, schemes: string[]): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${flag}: not a URL: ${url}`);
  }
  if (!schemes.includes(u.protocol)) throw new UsageError(`${flag}: unsupported scheme ${u.protocol} in ${url}`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
