/**
 * Duplicate file paths within one torrent must not collide on disk. Like libtorrent, a file
 * whose path equals an earlier file's (or an earlier file's folder) is renamed 'name.N.ext'
 * with the smallest free N; a folder component that equals an earlier file is renamed the
 * same way. More than MAX_DUPLICATE_SUFFIX candidates for one name is refused.
 * Comparison is exact (case-sensitive), as on the usual Linux file systems.
 * Cost: one map lookup per component (a tree of names), no string building per prefix.
 */
import { metainfoError } from './errors.js';

export const MAX_DUPLICATE_SUFFIX = 100;

interface Node {
  /** undefined for a file, the children for a folder. */
  readonly kids: Map<string, Node> | undefined;
}

const FILE: Node = { kids: undefined };

function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}.${n}${name.slice(dot)}` : `${name}.${n}`;
}

/**
 * Returns the paths with collisions renamed; entries for which `skip[i]` is true (pad files,
 * never written) are passed through untouched and take no part.
 */
export function uniquePaths(paths: readonly (readonly string[])[], skip?: readonly boolean[]): string[][] {
  const root: Node = { kids: new Map() };
  const out: string[][] = [];
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i]!.slice();
    out.push(p);
    if (skip?.[i] || p.length === 0) continue;
    let dir = root.kids!;
    for (let j = 0; j < p.length - 1; j++) {
      let name = p[j]!;
      let child = dir.get(name);
      if (child !== undefined && child.kids === undefined) {
        // a folder named like an earlier file: use the first name.N that is not a file
        for (let n = 1; ; n++) {
          if (n > MAX_DUPLICATE_SUFFIX) throw tooMany(p);
          const cand = withSuffix(p[j]!, n);
          child = dir.get(cand);
          if (child === undefined || child.kids !== undefined) {
            name = cand;
            break;
          }
        }
        p[j] = name;
      }
      if (child === undefined) {
        child = { kids: new Map() };
        dir.set(name, child);
      }
      dir = child.kids!;
    }
    const last = p.length - 1;
    if (dir.has(p[last]!)) {
      for (let n = 1; ; n++) {
        if (n > MAX_DUPLICATE_SUFFIX) throw tooMany(p);
        const cand = withSuffix(paths[i]![last]!, n);
        if (!dir.has(cand)) {
          p[last] = cand;
          break;
        }
      }
    }
    dir.set(p[last]!, FILE);
  }
  return out;
}

function tooMany(p: readonly string[]): Error {
  return metainfoError('too_many_duplicate_filenames', `too many files named ${p.join('/')} in the torrent`, { path: p.join('/') });
}
