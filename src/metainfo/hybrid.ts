/**
 * BEP 52 hybrid torrents: shoal loads them through their v1 part, but first checks that the
 * v2 `file tree` describes the same files (same paths, lengths and order) and that the v1
 * layout is piece-aligned, as libtorrent does (torrent_inconsistent_files). A malformed file
 * tree is refused too (torrent_file_parse_failed).
 */
import { isBytes, isDict, type BDict } from '../bencode/index.js';
import { metainfoError } from './errors.js';

/** One non-pad v1 file, its raw path as latin1 components (the bencode key form). */
export interface V1File {
  readonly rawPath: readonly string[];
  readonly length: number;
  readonly offset: number;
}

interface TreeFile {
  readonly path: string[];
  readonly length: number;
}

const parseFailed = (why: string): Error => metainfoError('file_parse_failed', `invalid v2 file tree: ${why}`);

function walkTree(node: BDict, prefix: string[], out: TreeFile[], limit: number): void {
  for (const [key, child] of node) {
    if (key === '') throw parseFailed('file with an empty name');
    if (!isDict(child) || child.size === 0) throw parseFailed(`entry ${JSON.stringify(key)} is not a file or folder`);
    const path = [...prefix, key];
    const leaf = child.get('');
    if (leaf !== undefined) {
      if (child.size !== 1 || !isDict(leaf)) throw parseFailed(`entry ${JSON.stringify(key)} is both a file and a folder`);
      const len = leaf.get('length');
      let length = 0;
      if (len !== undefined || !leaf.has('symlink path')) {
        if (typeof len !== 'number' || !Number.isSafeInteger(len) || len < 0) throw parseFailed(`file ${JSON.stringify(key)} has no valid length`);
        length = len;
      }
      const root = leaf.get('pieces root');
      if (root !== undefined && (!isBytes(root) || root.length !== 32)) throw parseFailed(`file ${JSON.stringify(key)} has an invalid pieces root`);
      out.push({ path, length });
      if (out.length > limit) throw parseFailed('more files than the v1 part');
    } else {
      walkTree(child, path, out, limit);
    }
  }
}

export function checkHybrid(info: BDict, multiFile: boolean, rawName: string, v1: readonly V1File[], pieceLength: number): void {
  const tree = info.get('file tree');
  if (!isDict(tree)) throw parseFailed('missing');
  const files: TreeFile[] = [];
  walkTree(tree, [], files, v1.length);
  const mismatch = (why: string): Error => metainfoError('inconsistent_files', `the v1 and v2 file metadata do not match: ${why}`);
  if (files.length !== v1.length) throw mismatch(`${v1.length} v1 files, ${files.length} v2 files`);
  for (let i = 0; i < files.length; i++) {
    const t = files[i]!;
    const f = v1[i]!;
    const v1Path = multiFile ? f.rawPath : [rawName];
    if (t.path.length !== v1Path.length || t.path.some((c, j) => c !== v1Path[j])) throw mismatch(`file ${i} has a different path`);
    if (t.length !== f.length) throw mismatch(`file ${i} has a different length`);
    if (f.length > 0 && f.offset % pieceLength !== 0) throw mismatch(`file ${i} does not start on a piece boundary`);
  }
}
