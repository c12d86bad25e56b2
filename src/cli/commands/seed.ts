import { basename, dirname, join, resolve } from 'node:path';
import { ShoalError } from '../../core/errors.js';
import { isSafeComponent } from '../../metainfo/paths.js';
import { parseTorrent } from '../../metainfo/parse.js';
import { FsStorage } from '../../storage/fs.js';
import { UsageError, type Command } from '../command.js';
import { list } from './args.js';
import { checkPeers, transfer } from './download.js';
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
  -q, --quiet             no progress output
      --json              one JSON event per line on stdout`,
  options: {
    port: { type: 'string' },
    peer: { type: 'string', multiple: true },
    'max-peers': { type: 'string' },
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
    // FileEntry paths start with the torrent's name; here that first component is PATH's name.
    const files = meta.files.map((f) => ({ ...f, path: [base, ...f.path.slice(1)] }));
    const layout = { files, pieceLength: meta.pieceLength, pieceCount: meta.pieceCount, totalLength: meta.totalLength };
    return transfer(
      meta,
      values,
      { path: root, peers, seed: true, resume: join(root, '.shoal', `${meta.infoHash.hex}.resume`), storage: () => new FsStorage(layout, root) },
      { requireComplete: true },
    );
  },
};
