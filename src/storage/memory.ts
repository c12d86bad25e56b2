import { StorageError } from './errors.js';
import type { FileStat, Storage, StorageLayout } from './interface.js';
import { checkFile, checkPiece, checkPieceData, rangeSpans } from './range.js';

interface MemFile {
  data: Uint8Array;
  size: number;
  mtimeMs: number;
}

/** Storage in memory (tests, magnet metadata). Files grow as they are written. */
export class MemoryStorage implements Storage {
  readonly layout: StorageLayout;
  private readonly files = new Map<number, MemFile>();
  private closed = false;

  constructor(layout: StorageLayout) {
    this.layout = layout;
  }

  private open(): void {
    if (this.closed) throw new StorageError('closed', 'storage is closed');
  }

  private file(i: number, size: number): MemFile {
    let f = this.files.get(i);
    if (f === undefined) {
      f = { data: new Uint8Array(Math.min(size, this.layout.files[i]!.length)), size: 0, mtimeMs: Date.now() };
      this.files.set(i, f);
    }
    if (f.data.length < size) {
      const grown = new Uint8Array(Math.max(size, Math.min(f.data.length * 2, this.layout.files[i]!.length)));
      grown.set(f.data.subarray(0, f.size));
      f.data = grown;
    }
    return f;
  }

  async read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    this.open();
    const spans = rangeSpans(this.layout, offset, length);
    const out = into !== undefined && into.length === length ? into : Buffer.alloc(length);
    let o = 0;
    for (const s of spans) {
      if (this.layout.files[s.fileIndex]!.pad) out.fill(0, o, o + s.length);
      else {
        const f = this.files.get(s.fileIndex);
        if (f === undefined || f.size < s.fileOffset + s.length) {
          throw new StorageError('missing', `file ${s.fileIndex} has no data at ${s.fileOffset}+${s.length}`, { fileIndex: s.fileIndex, offset });
        }
        out.set(f.data.subarray(s.fileOffset, s.fileOffset + s.length), o);
      }
      o += s.length;
    }
    return out;
  }

  async readPiece(index: number, into?: Buffer): Promise<Buffer> {
    const { offset, size } = checkPiece(this.layout, index);
    return this.read(offset, size, into);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.open();
    const spans = rangeSpans(this.layout, offset, data.length);
    let o = 0;
    for (const s of spans) {
      if (!this.layout.files[s.fileIndex]!.pad) {
        const end = s.fileOffset + s.length;
        const f = this.file(s.fileIndex, end);
        f.data.set(data.subarray(o, o + s.length), s.fileOffset);
        if (end > f.size) f.size = end;
        f.mtimeMs = Date.now();
      }
      o += s.length;
    }
  }

  async writePiece(index: number, data: Uint8Array): Promise<void> {
    this.open();
    await this.write(checkPieceData(this.layout, index, data), data);
  }

  async exists(fileIndex: number): Promise<boolean> {
    return (await this.stat(fileIndex)) !== undefined;
  }

  async stat(fileIndex: number): Promise<FileStat | undefined> {
    this.open();
    checkFile(this.layout, fileIndex);
    const entry = this.layout.files[fileIndex]!;
    if (entry.pad) return { size: entry.length, mtimeMs: 0 };
    const f = this.files.get(fileIndex);
    return f === undefined ? undefined : { size: f.size, mtimeMs: f.mtimeMs };
  }

  private resize(exact: boolean): void {
    this.open();
    this.layout.files.forEach((entry, i) => {
      if (entry.pad || entry.symlinkPath) return;
      const f = this.file(i, 0);
      if (f.size < entry.length || (exact && f.size > entry.length)) {
        if (f.data.length < entry.length) this.file(i, entry.length);
        f.data.fill(0, Math.min(f.size, entry.length), entry.length);
        f.size = entry.length;
        f.mtimeMs = Date.now();
      }
    });
  }

  async prepare(): Promise<void> {
    this.resize(false);
  }

  async truncate(): Promise<void> {
    this.resize(true);
  }

  async flush(): Promise<void> {
    this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async deleteData(): Promise<void> {
    this.open();
    this.files.clear();
  }
}
