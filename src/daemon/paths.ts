import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ApiError } from './errors.js';

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** realpath of the nearest existing ancestor, with the missing tail appended. */
async function realish(p: string): Promise<string> {
  let cur = p;
  const tail: string[] = [];
  for (;;) {
    try {
      const r = await realpath(cur);
      return tail.length ? resolve(r, ...tail.reverse()) : r;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const up = dirname(cur);
      if (up === cur) return p;
      tail.push(cur.slice(up.length).replace(/^[\\/]+/, ''));
      cur = up;
    }
  }
}

/**
 * Checks a user-supplied path against allowed roots: it must be a string without NUL,
 * relative ones are taken from the first root, `..` components are refused outright, and
 * the real path (symlinks resolved) must stay inside one of the roots. Returns the
 * resolved path or throws INVALID_ARGUMENT.
 */
export async function checkPathInRoots(given: unknown, roots: readonly string[], what: string): Promise<string> {
  if (typeof given !== 'string' || given === '') throw new ApiError('INVALID_ARGUMENT', `${what} must be a non-empty string`, { field: what });
  if (given.includes('\0')) throw new ApiError('INVALID_ARGUMENT', `${what} contains a NUL byte`, { field: what });
  if (given.split(/[\\/]/).includes('..')) throw new ApiError('INVALID_ARGUMENT', `${what} must not contain '..' components`, { field: what, path: given });
  const base = roots[0];
  if (base === undefined) throw new ApiError('PERMISSION_DENIED', `no allowed root is configured for ${what}`);
  const abs = resolve(base, given);
  const real = await realish(abs);
  for (const r of roots) {
    const rr = await realish(resolve(r));
    if (inside(rr, real)) return abs;
  }
  throw new ApiError('INVALID_ARGUMENT', `${what} ${JSON.stringify(given)} is outside the allowed folders (${roots.join(', ')})`, { field: what, path: given });
}
