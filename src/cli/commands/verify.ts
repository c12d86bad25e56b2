import { resolve } from 'node:path';
import { parseTorrent } from '../../metainfo/parse.js';
import { verifyData } from '../../metainfo/verify.js';
import { UsageError, type Command } from '../command.js';
import { formatBytes } from '../format.js';
import { Progress } from '../progress.js';
import { readTorrentFile } from './info.js';
import { intOption } from './args.js';

export const verifyCommand: Command = {
  name: 'verify',
  usage: `usage: shoal verify FILE.torrent PATH [--json] [--quiet]

PATH is what \`shoal create\` was given: the file itself for a single-file torrent,
the top folder for a multi-file one. Prints how many pieces are good, missing and
corrupt, and which files are incomplete. Exit code 0 only when everything is complete
and correct, 1 otherwise.

Options:
      --json     one JSON object with the counts and incomplete files
  -q, --quiet    no progress bar
      --threads N  hashing threads (default: every core)`,
  options: {
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    threads: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length !== 2) throw new UsageError('expected FILE.torrent and PATH');
    const meta = parseTorrent(await readTorrentFile(positionals[0]!));
    const threads = intOption(values, 'threads', 1, 256);
    const bar = new Progress({ label: 'verifying', total: meta.totalLength, quiet: values.quiet === true || values.json === true });
    const result = await verifyData(meta, resolve(positionals[1]!), {
      onProgress: (done) => bar.update(done),
      ...(threads !== undefined && { threads }),
    });
    bar.update(meta.totalLength);
    bar.finish();
    const incomplete = result.files.filter((f) => !f.complete);
    const ok = result.good === result.pieceCount && result.files.every((f) => f.complete);
    if (values.json === true) {
      process.stdout.write(
        `${JSON.stringify({
          ok,
          pieceCount: result.pieceCount,
          good: result.good,
          missing: result.missing,
          corrupt: result.corrupt,
          incompleteFiles: incomplete.map((f) => ({ index: f.index, path: f.path, ...(f.missingBytes !== undefined && { missingBytes: f.missingBytes }) })),
        })}\n`,
      );
    } else {
      const lines = [
        `${meta.name}: ${result.good}/${result.pieceCount} pieces good, ${result.missing} missing, ${result.corrupt} corrupt`,
      ];
      for (const f of incomplete) lines.push(`  incomplete: ${f.path}${f.missingBytes ? ` (${formatBytes(f.missingBytes)} missing)` : ''}`);
      lines.push(ok ? 'all data is complete and correct' : 'data is NOT complete');
      process.stdout.write(lines.join('\n') + '\n');
    }
    return ok ? 0 : 1;
  },
};
