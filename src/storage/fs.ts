import { constants } from 'node:fs';
import { lstat, open, rmdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { resolveInside } from '../metainfo/paths.js';
import { StorageError } from './errors.js';
import { HandlePool } from './handles.js';
import type { HandleEntry } from './handles.js';
import { hashPieces, type HashRunResult, type HashSource } from '../metainfo/hasher.js';
import type { FileStat, Storage, StorageLayout, WriteTarget } from './interface.js';
import { checkFile, checkPiece, checkPieceData, rangeSpans } from './range.js';
import { SafeTree } from './safe.js';
import { writeSliced } from './write-slices.js';

export interface FsStorageOptions {
  /** Most file handles kept open (default 32; in-use handles may exceed it briefly). */
  readonly maxOpenFiles?: number;
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** hashPieces of at most this much runs on the calling thread (about 4 ms of SHA-1). */
const INLINE_HASH_BYTES = 4 << 20;
const READ_FLAGS = constants.O_RDONLY | NOFOLLOW;
const WRITE_FLAGS = constants.O_RDWR | constants.O_CREAT | NOFOLLOW;

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Filesystem storage: each file at `resolveInside(root, file.path)`, positional reads and
 * writes through an LRU of open handles, sparse files, folders created on demand, pad files
 * never on disk, no symlink followed (parents checked, final component O_NOFOLLOW).
 */
export class FsStorage implements Storage {
  readonly layout: StorageLayout;
  readonly root: string;
  private readonly tree: SafeTree;
  private readonly pool: HandlePool;
  private readonly paths: (string | undefined)[];
  private readonly parentsOk: boolean[];
  private readonly dirty = new Set<number>();
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(layout: StorageLayout, root: string, opts: FsStorageOptions = {}) {
    this.layout = layout;
    this.root = resolve(root);
    this.tree = new SafeTree(this.root);
    this.paths = new Array<string | undefined>(layout.files.length);
    this.parentsOk = new Array<boolean>(layout.files.length).fill(false);
    this.pool = new HandlePool(Math.max(1, opts.maxOpenFiles ?? 32), (i, w) => this.openFile(i, w));
  }

  /** Handles currently open (for tests and telemetry). */
  get openFiles(): number {
    return this.pool.openCount;
  }

  /** Absolute path of file `fileIndex` (checked to stay inside the root). */
  pathOf(fileIndex: number): string {
    let p = this.paths[fileIndex];
    if (p === undefined) {
      try {
        p = resolveInside(this.root, this.layout.files[fileIndex]!.path);
      } catch (e) {
        throw new StorageError('path', (e as Error).message, { fileIndex }, { cause: e });
      }
      this.paths[fileIndex] = p;
    }
    return p;
  }

  private async parents(fileIndex: number, create: boolean): Promise<boolean> {
    if (this.parentsOk[fileIndex]) return true;
    const ok = await this.tree.parents(this.layout.files[fileIndex]!.path, create);
    // Only a creating check is remembered: a read-only check passes when nothing is on
    // disk yet (no folders to verify), and the root must still be made before a write.
    if (create) this.parentsOk[fileIndex] = ok;
    return ok;
  }

  private fail(e: unknown, fileIndex: number, what: string): StorageError {
    if (e instanceof StorageError) return e;
    const c = errno(e);
    const path = this.paths[fileIndex];
    const reason = c === 'ENOENT' ? 'missing' : c === 'ELOOP' || c === 'EMLINK' ? 'symlink' : c === 'ENOTDIR' ? 'path' : 'io';
    const msg = reason === 'symlink' ? `${path} is a symlink; shoal never follows symlinks inside a download` : `cannot ${what} ${path}: ${(e as Error).message}`;
    return new StorageError(reason, msg, { fileIndex, path }, { cause: e });
  }

  private async openFile(fileIndex: number, writable: boolean): Promise<FileHandle> {
    const path = this.pathOf(fileIndex);
    if (!(await this.parents(fileIndex, writable))) throw new StorageError('missing', `${path} does not exist`, { fileIndex, path });
    try {
      return await open(path, writable ? WRITE_FLAGS : READ_FLAGS, 0o666);
    } catch (e) {
      throw this.fail(e, fileIndex, 'open');
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    p.then(
      () => this.inflight.delete(p),
      () => this.inflight.delete(p),
    );
    return p;
  }

  private check(): void {
    if (this.closed) throw new StorageError('closed', 'storage is closed');
  }

  private async withHandle<T>(fileIndex: number, writable: boolean, what: string, fn: (e: HandleEntry) => Promise<T>): Promise<T> {
    const e = await this.pool.acquire(fileIndex, writable);
    try {
      return await fn(e);
    } catch (err) {
      throw this.fail(err, fileIndex, what);
    } finally {
      this.pool.release(e);
    }
  }

  private readSpan(fileIndex: number, pos: number, out: Buffer, at: number, length: number): Promise<void> {
    return this.withHandle(fileIndex, false, 'read', async ({ fh }) => {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(out, at + done, length - done, pos + done);
        if (bytesRead === 0) {
          throw new StorageError('missing', `${this.paths[fileIndex]} ends before ${pos + length}`, { fileIndex, path: this.paths[fileIndex], offset: pos + done });
        }
        done += bytesRead;
      }
    });
  }

  private writeSpan(fileIndex: number, pos: number, data: Uint8Array): Promise<void> {
    return this.withHandle(fileIndex, true, 'write', async ({ fh }) => {
      await writeSliced(fh.fd, data, pos);
      this.dirty.add(fileIndex);
    });
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.track(this.doRead(offset, length));
  }

  private async doRead(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    this.check();
    const spans = rangeSpans(this.layout, offset, length);
    const out = into !== undefined && into.length === length ? into : Buffer.allocUnsafe(length);
    const ops: Promise<void>[] = [];
    let at = 0;
    for (const s of spans) {
      if (this.layout.files[s.fileIndex]!.pad) out.fill(0, at, at + s.length);
      else ops.push(this.readSpan(s.fileIndex, s.fileOffset, out, at, s.length));
      at += s.length;
    }
    if (ops.length === 1) await ops[0];
    else await Promise.all(ops);
    return out;
  }

  async readPiece(index: number, into?: Buffer): Promise<Buffer> {
    const { offset, size } = checkPiece(this.layout, index);
    return this.track(this.doRead(offset, size, into));
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    return this.track(this.doWrite(offset, data));
  }

  private async doWrite(offset: number, data: Uint8Array): Promise<void> {
    this.check();
    const spans = rangeSpans(this.layout, offset, data.length);
    const ops: Promise<void>[] = [];
    let at = 0;
    for (const s of spans) {
      if (!this.layout.files[s.fileIndex]!.pad) ops.push(this.writeSpan(s.fileIndex, s.fileOffset, data.subarray(at, at + s.length)));
      at += s.length;
    }
    if (ops.length === 1) await ops[0];
    else await Promise.all(ops);
  }

  async writePiece(index: number, data: Uint8Array): Promise<void> {
    return this.write(checkPieceData(this.layout, index, data), data);
  }

  writePieceWith(index: number, run: (targets: readonly WriteTarget[]) => Promise<boolean>): Promise<boolean> {
    return this.track(this.doWritePieceWith(index, run));
  }

  private async doWritePieceWith(index: number, run: (targets: readonly WriteTarget[]) => Promise<boolean>): Promise<boolean> {
    this.check();
    const { spans } = checkPiece(this.layout, index);
    const held: HandleEntry[] = [];
    const files: number[] = [];
    const targets: WriteTarget[] = [];
    try {
      let at = 0;
      for (const s of spans) {
        if (!this.layout.files[s.fileIndex]!.pad) {
          let e: HandleEntry;
          try {
            e = await this.pool.acquire(s.fileIndex, true);
          } catch (err) {
            throw this.fail(err, s.fileIndex, 'write');
          }
          held.push(e);
          files.push(s.fileIndex);
          targets.push({ fd: e.fh.fd, position: s.fileOffset, offset: at, length: s.length });
        }
        at += s.length;
      }
      let wrote: boolean;
      try {
        wrote = await run(targets);
      } catch (err) {
        const t = (err as { target?: unknown }).target;
        throw this.fail(err, files[typeof t === 'number' ? t : 0] ?? 0, 'write');
      }
      if (wrote) for (const f of files) this.dirty.add(f);
      return wrote;
    } finally {
      for (const e of held) this.pool.release(e);
    }
  }

  /**
   * Hashes pieces with the worker pool of `shoal create` (metainfo/hasher.ts): files are
   * opened O_NOFOLLOW, and a file whose folders fail the symlink check is never opened.
   * Measured on 1 GiB already in the page cache: 0.85 s against 1.25 s for reading pieces
   * through this storage and hashing them on libuv's pool.
   */
  hashPieces(ranges: readonly (readonly [number, number])[], onProgress?: (bytes: number) => void): Promise<HashRunResult> {
    return this.track(this.doHashPieces(ranges, onProgress));
  }

  private async doHashPieces(ranges: readonly (readonly [number, number])[], onProgress?: (bytes: number) => void): Promise<HashRunResult> {
    this.check();
    const files: HashSource[] = [];
    for (let i = 0; i < this.layout.files.length; i++) {
      const f = this.layout.files[i]!;
      if (f.pad) files.push({ path: null, offset: f.offset, length: f.length });
      else {
        let path: string | undefined;
        try {
          if (await this.parents(i, false)) path = this.pathOf(i);
        } catch {
          path = undefined;
        }
        files.push(path === undefined ? { path: null, offset: f.offset, length: f.length, absent: true } : { path: Buffer.from(path), offset: f.offset, length: f.length });
      }
    }
    let bytes = 0;
    for (const [a, b] of ranges) bytes += Math.min(b * this.layout.pieceLength, this.layout.totalLength) - a * this.layout.pieceLength;
    // Little data is hashed on this thread (a few ms), sparing the start of a worker.
    const small = bytes <= INLINE_HASH_BYTES ? { threads: 1, inline: true } : {};
    return hashPieces({ files, pieceLength: this.layout.pieceLength, totalLength: this.layout.totalLength, ranges, lenient: true, ...small, ...(onProgress && { onProgress }) });
  }

  async exists(fileIndex: number): Promise<boolean> {
    return (await this.stat(fileIndex)) !== undefined;
  }

  stat(fileIndex: number): Promise<FileStat | undefined> {
    return this.track(this.doStat(fileIndex));
  }

  private async doStat(fileIndex: number): Promise<FileStat | undefined> {
    this.check();
    checkFile(this.layout, fileIndex);
    const entry = this.layout.files[fileIndex]!;
    if (entry.pad) return { size: entry.length, mtimeMs: 0 };
    const path = this.pathOf(fileIndex);
    if (!(await this.parents(fileIndex, false))) return undefined;
    let st;
    try {
      st = await lstat(path);
    } catch (e) {
      if (errno(e) === 'ENOENT') return undefined;
      throw this.fail(e, fileIndex, 'stat');
    }
    if (st.isSymbolicLink()) throw new StorageError('symlink', `${path} is a symlink; shoal never follows symlinks inside a download`, { fileIndex, path });
    if (!st.isFile()) throw new StorageError('path', `${path} is not a regular file`, { fileIndex, path });
    return { size: st.size, mtimeMs: st.mtimeMs };
  }

  private resize(exact: boolean): Promise<void> {
    return this.track(
      (async () => {
        this.check();
        for (let i = 0; i < this.layout.files.length; i++) {
          const entry = this.layout.files[i]!;
          if (entry.pad || entry.symlinkPath) continue;
          await this.withHandle(i, true, 'resize', async ({ fh }) => {
            const { size } = await fh.stat();
            if (size < entry.length || (exact && size > entry.length)) {
              // ftruncate leaves the new range as a hole: sparse, reads as zeros.
              await fh.truncate(entry.length);
              this.dirty.add(i);
            }
          });
        }
      })(),
    );
  }

  prepare(): Promise<void> {
    return this.resize(false);
  }

  truncate(): Promise<void> {
    return this.resize(true);
  }

  flush(): Promise<void> {
    return this.track(
      (async () => {
        this.check();
        const files = [...this.dirty];
        this.dirty.clear();
        for (const i of files) await this.withHandle(i, false, 'sync', ({ fh }) => fh.datasync());
      })(),
    );
  }

  private async quiesce(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.pool.closeAll();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.quiesce();
  }

  async deleteData(): Promise<void> {
    this.check();
    await this.quiesce();
    const dirs = new Set<string>();
    for (let i = 0; i < this.layout.files.length; i++) {
      const entry = this.layout.files[i]!;
      if (entry.pad) continue;
      const path = this.pathOf(i);
      // Parents are checked so a symlinked folder never leads an unlink or rmdir outside
      // the root; unlink itself removes a final-component symlink, never its target.
      if (!(await this.tree.parents(entry.path, false).catch(() => false))) continue;
      for (let d = dirname(path); d.length > this.root.length && d.startsWith(this.root); d = dirname(d)) dirs.add(d);
      await unlink(path).catch((e: unknown) => {
        if (errno(e) !== 'ENOENT') throw this.fail(e, i, 'delete');
      });
    }
    const deepestFirst = [...dirs].sort((a, b) => b.length - a.length);
    for (const d of deepestFirst) await rmdir(d).catch(() => {});
    this.dirty.clear();
    this.parentsOk.fill(false);
    this.tree.forget();
  }
}
