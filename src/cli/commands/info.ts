import { readFile, stat } from 'node:fs/promises';
import { ShoalError } from '../../core/errors.js';
import { parseTorrent } from '../../metainfo/parse.js';
import { parseMagnet, magnetFromMetainfo, type Magnet } from '../../metainfo/magnet.js';
import type { Metainfo } from '../../metainfo/types.js';
import { torrentRelativePath } from '../../metainfo/paths.js';
import { UsageError, type Command } from '../command.js';
import { formatBytes } from '../format.js';

/** Largest .torrent `info` will read; real ones are far smaller. */
const MAX_TORRENT_BYTES = 64 * 1024 * 1024;

export const infoCommand: Command = {
  name: 'info',
  usage: `usage: shoal info FILE.torrent|MAGNET [--json]

Prints name, info-hash, size, piece length and count, files, trackers (by tier),
web seeds, private flag, comment, creator and creation date.

Options:
      --json   one JSON object (shape documented in docs/cli.md)`,
  options: { json: { type: 'boolean' } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('expected one .torrent file or magnet link');
    const src = positionals[0]!;
    if (src.startsWith('magnet:')) {
      const m = parseMagnet(src);
      if (values.json === true) process.stdout.write(`${JSON.stringify(magnetJson(m, src))}\n`);
      else process.stdout.write(magnetText(m));
      return 0;
    }
    const meta = parseTorrent(await readTorrentFile(src));
    if (values.json === true) process.stdout.write(`${JSON.stringify(torrentJson(meta))}\n`);
    else process.stdout.write(torrentText(meta));
    return 0;
  },
};

/** Reads a .torrent with a size cap and a clear one-line error when it is missing. */
export async function readTorrentFile(path: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    const { size } = await stat(path);
    if (size > MAX_TORRENT_BYTES) throw new ShoalError('ETOOBIG', `${path}: ${formatBytes(size)} is too large for a .torrent file`, { path });
    buf = await readFile(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new ShoalError('ENOENT', `${path}: no such file`, { path });
    if (err.code === 'EISDIR') throw new ShoalError('EISDIR', `${path}: is a folder, expected a .torrent file`, { path });
    throw e;
  }
  return buf;
}

export function torrentJson(meta: Metainfo): Record<string, unknown> {
  return {
    source: 'torrent',
    name: meta.name,
    infoHash: meta.infoHash.hex,
    magnet: magnetFromMetainfo(meta),
    totalLength: meta.totalLength,
    pieceLength: meta.pieceLength,
    pieceCount: meta.pieceCount,
    multiFile: meta.multiFile,
    private: meta.private,
    hybrid: meta.hybrid,
    files: meta.files.map((f, index) => ({ index, path: torrentRelativePath(meta, f).join('/'), length: f.length, offset: f.offset, ...(f.pad && { pad: true }), ...(f.attr && { attr: f.attr }) })),
    trackers: meta.announce,
    webSeeds: meta.webSeeds,
    comment: meta.comment ?? null,
    createdBy: meta.createdBy ?? null,
    creationDate: meta.creationDate !== undefined ? new Date(meta.creationDate * 1000).toISOString() : null,
  };
}

function magnetJson(m: Magnet, uri: string): Record<string, unknown> {
  return {
    source: 'magnet',
    name: m.name ?? null,
    infoHash: m.infoHash.hex,
    magnet: uri,
    trackers: m.trackers.map((t) => [t]),
    webSeeds: m.webSeeds,
    peers: m.peers,
    selectOnly: m.selectOnly ?? null,
  };
}

function torrentText(meta: Metainfo): string {
  const lines = [
    `name:          ${meta.name}`,
    `info-hash:     ${meta.infoHash.hex}${meta.hybrid ? ' (v1 part of a hybrid v1/v2 torrent)' : ''}`,
    `size:          ${formatBytes(meta.totalLength)} (${meta.totalLength} bytes)`,
    `pieces:        ${meta.pieceCount} x ${formatBytes(meta.pieceLength)}`,
    `private:       ${meta.private ? 'yes' : 'no'}`,
  ];
  if (meta.comment !== undefined) lines.push(`comment:       ${meta.comment}`);
  if (meta.createdBy !== undefined) lines.push(`created by:    ${meta.createdBy}`);
  if (meta.creationDate !== undefined) lines.push(`created:       ${new Date(meta.creationDate * 1000).toISOString()}`);
  if (meta.announce.length === 0) lines.push('trackers:      none');
  meta.announce.forEach((tier, i) => lines.push(`tier ${String(i + 1).padEnd(9)}${tier.join(', ')}`));
  for (const ws of meta.webSeeds) lines.push(`web seed:      ${ws}`);
  // Indexes are positions in the info dict (pad files included), as --select takes them.
  const shown = meta.files.map((f, index) => ({ f, index })).filter(({ f }) => !f.pad);
  lines.push(`files:         ${shown.length}`);
  const width = Math.max(...shown.map(({ f }) => formatBytes(f.length).length), 1);
  const iw = String(meta.files.length - 1).length;
  for (const { f, index } of shown) lines.push(`  ${String(index).padStart(iw)}  ${formatBytes(f.length).padStart(width)}  ${torrentRelativePath(meta, f).join('/')}`);
  lines.push(`magnet:        ${magnetFromMetainfo(meta)}`);
  return lines.join('\n') + '\n';
}

function magnetText(m: Magnet): string {
  const lines = [`name:          ${m.name ?? '(not given)'}`, `info-hash:     ${m.infoHash.hex}`];
  for (const t of m.trackers) lines.push(`tracker:       ${t}`);
  for (const w of m.webSeeds) lines.push(`web seed:      ${w}`);
  for (const p of m.peers) lines.push(`peer:          ${p}`);
  if (m.selectOnly) lines.push(`select only:   ${m.selectOnly.join(',')}`);
  lines.push('(size, pieces and files come with the metadata, fetched from peers by `shoal download`)');
  return lines.join('\n') + '\n';
}
