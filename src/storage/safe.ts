import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from './errors.js';

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Checks (and creates, on demand) the folders between a root and a file, refusing any
 * that is a symlink or not a folder. Verified folders are remembered, so the check costs
 * one lstat per folder per storage. The root itself is the user's choice and may be a
 * symlink. Known limit: Node has no openat(), so a folder swapped for a symlink after its
 * check is not noticed; the final component is always opened with O_NOFOLLOW.
 */
export class SafeTree {
  private readonly verified = new Set<string>();
  private rootMade = false;

  constructor(readonly root: string) {}

  forget(): void {
    this.verified.clear();
    this.rootMade = false;
  }

  /** True when every parent folder of `components` (joined under root) is a real folder. */
  async parents(components: readonly string[], create: boolean): Promise<boolean> {
    if (create && !this.rootMade) {
      await mkdir(this.root, { recursive: true }).catch((e: unknown) => {
        throw new StorageError('io', `cannot create ${this.root}: ${(e as Error).message}`, { path: this.root }, { cause: e });
      });
      this.rootMade = true;
    }
    let dir = this.root;
    for (let k = 0; k < components.length - 1; k++) {
      dir = join(dir, components[k]!);
      if (this.verified.has(dir)) continue;
      let st;
      try {
        st = await lstat(dir);
      } catch (e) {
        if (code(e) !== 'ENOENT') throw new StorageError('io', `cannot stat ${dir}: ${(e as Error).message}`, { path: dir }, { cause: e });
        if (!create) return false;
        try {
          await mkdir(dir);
        } catch (e2) {
          if (code(e2) !== 'EEXIST') {
            throw new StorageError(code(e2) === 'ENOENT' ? 'missing' : 'io', `cannot create ${dir}: ${(e2 as Error).message}`, { path: dir }, { cause: e2 });
          }
        }
        st = await lstat(dir);
      }
      if (st.isSymbolicLink()) throw new StorageError('symlink', `${dir} is a symlink; shoal never follows symlinks inside a download`, { path: dir });
      if (!st.isDirectory()) throw new StorageError('path', `${dir} is not a folder`, { path: dir });
      this.verified.add(dir);
    }
    return true;
  }
}
