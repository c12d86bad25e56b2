import { basename, dirname, join, resolve } from 'node:path';
import { ShoalError } from '../../core/errors.js';
import { isSafeComponent } from '../../metainfo/paths.js';
import { parseTorrent } from '../../metainfo/parse.js';
import { FsStorage } from '../../storage/fs.js';
import { UsageError, type Command } from '../command.js';
import { intOption, list } from './args.js';
import { checkPeers, transfer } from './download.js';
import { DHT_OPTIONS, DHT_USAGE, LSD_OPTIONS, LSD_USAGE } from './discovery-flags.js';
import type { BeforeStop } from './download.js';
import { formatBytes, formatDuration } from '../format.js';
import { pieceRanges } from '../../engine/health.js';
import { readTorrentFile } from './info.js';

export const seedCommand: Command = {
  name: 'seed',
  usage: `usage: shoal seed FILE.torrent PATH [--port N] [--peer HOST:PORT]... [options]

PATH is what \`shoal create\` was given: the file itself for a single-file torrent,
the top folder for a multi-file one. It may have another name than the torrent: the
data is read from PATH whatever the torrent calls it. The data is checked first
(skipped when resume data from a clean stop shows the files unchanged; it lives in
dirname(PATH)/.shoal/<infohash>.resume), then seeded to the torrent's trackers and
every --peer until Ctrl-C, which announces 'stopped' and exits cleanly.

Options:
      --port N            TCP port for incoming peers (default: any free port)
      --peer HOST:PORT    connect to this peer (repeatable)
      --max-peers N       peer connections (default 50)
${DHT_USAGE}
${LSD_USAGE}
      --super-seed        BEP 16 super-seeding for an initial seeder: offer each peer one
                          piece at a time, so the first full copy costs about one copy
      --drain             on Ctrl-C/SIGTERM, first hand every piece only we hold to
                          connected peers that lack it, then leave (Ctrl-C again: now)
      --min-copies K      with --drain: leave once every piece has K copies among the
                          other peers (default 1)
      --drain-timeout S   with --drain: give up after S seconds and list the pieces still
                          at risk (default 60)
  -q, --quiet             no progress output
      --json              one JSON event per line on stdout`,
  options: {
    port: { type: 'string' },
    peer: { type: 'string', multiple: true },
    'max-peers': { type: 'string' },
    ...DHT_OPTIONS,
    ...LSD_OPTIONS,
    'super-seed': { type: 'boolean' },
    drain: { type: 'boolean' },
    'min-copies': { type: 'string' },
    'drain-timeout': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    if (positionals.length !== 2) throw new UsageError('expected FILE.torrent and PATH');
    const meta = parseTorrent(await readTorrentFile(positionals[0]!));
    const target = resolve(positionals[1]!);
    const root = dirname(target);
    const base = basename(target);
    if (!isSafeComponent(base)) throw new ShoalError('EPATH', `${positionals[1]}: cannot seed from this path`);
    const peers = list(values, 'peer');
    checkPeers(peers);
    const minCopies = intOption(values, 'min-copies', 1, 1000);
    const drainSeconds = intOption(values, 'drain-timeout', 1, 86_400);
    if ((minCopies !== undefined || drainSeconds !== undefined) && values.drain !== true) throw new UsageError('--min-copies and --drain-timeout need --drain');
    // FileEntry paths start with the torrent's name; here that first component is PATH's name.
    const files = meta.files.map((f) => ({ ...f, path: [base, ...f.path.slice(1)] }));
    const layout = { files, pieceLength: meta.pieceLength, pieceCount: meta.pieceCount, totalLength: meta.totalLength };
    return transfer(
      meta,
      values,
      { path: root, peers, seed: true, resume: join(root, '.shoal', `${meta.infoHash.hex}.resume`), storage: () => new FsStorage(layout, root), superSeed: values['super-seed'] === true },
      { requireComplete: true, ...(values.drain === true && { beforeStop: drainStep(minCopies ?? 1, (drainSeconds ?? 60) * 1000) }) },
    );
  },
};

/** `--drain`: on the first Ctrl-C/SIGTERM, hand out the pieces at risk before leaving. */
function drainStep(minCopies: number, timeoutMs: number): BeforeStop {
  return async (t, io, signal) => {
    io.note(`draining: handing out pieces with fewer than ${minCopies} cop${minCopies === 1 ? 'y' : 'ies'} elsewhere (up to ${formatDuration(timeoutMs / 1000)}; Ctrl-C again to leave now)`);
    const r = await t.drain({
      minCopies,
      timeoutMs,
      signal,
      close: false,
      onProgress: (p) => {
        io.status(`draining: ${p.atRisk} piece${p.atRisk === 1 ? '' : 's'} at risk (of ${p.atRiskAtStart}), ${p.targets} peer${p.targets === 1 ? '' : 's'} receiving, ${formatBytes(p.uploaded)} sent, ${formatDuration((timeoutMs - p.elapsedMs) / 1000)} left`);
        io.emit({ event: 'drain', ...p });
      },
    });
    io.emit({ event: 'drained', ...r });
    const took = formatDuration(r.elapsedMs / 1000);
    if (r.complete) io.note(`drained: every piece has ${minCopies}+ cop${minCopies === 1 ? 'y' : 'ies'} among the other peers (${formatBytes(r.uploaded)} sent in ${took})`);
    else io.note(`drain ended (${r.reason === 'no-peers' ? 'no peer could take them' : r.reason}) after ${took}: ${r.atRisk.length} piece${r.atRisk.length === 1 ? '' : 's'} still at risk: ${pieceRanges(r.atRisk)}`);
  };
}
