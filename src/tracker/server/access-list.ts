import { hashKey } from './hash-key.js';
import { readFile } from 'node:fs/promises';
import { TrackerServerError } from './errors.js';

/** Max entries read from an allow/deny file (one 40-hex info-hash per line). */
export const MAX_ACCESS_ENTRIES = 1_000_000;

/**
 * An allow list or a deny list of info-hashes, read from a file with one hex info-hash
 * per line ('#' comments and blank lines ignored). `reload()` re-reads it (SIGHUP).
 */
export class AccessList {
  readonly mode: 'allow' | 'deny' | 'open';
  readonly file: string | undefined;
  private set = new Set<string>();

  constructor(mode: 'allow' | 'deny' | 'open', file?: string) {
    this.mode = mode;
    this.file = file;
  }

  static async load(mode: 'allow' | 'deny', file: string): Promise<AccessList> {
    const a = new AccessList(mode, file);
    await a.reload();
    return a;
  }

  /** Re-reads the file; on error the previous list stays in force and the error is thrown. */
  async reload(): Promise<number> {
    if (this.file === undefined) return 0;
    let text: string;
    try {
      text = await readFile(this.file, 'latin1');
    } catch (e) {
      throw new TrackerServerError('ETRACKER_CONFIG', `cannot read ${this.mode} list ${this.file}: ${(e as Error).message}`, { path: this.file });
    }
    const next = new Set<string>();
    let lineNo = 0;
    for (const raw of text.split('\n')) {
      lineNo++;
      const line = raw.replace(/#.*/, '').trim();
      if (line === '') continue;
      if (!/^[0-9a-fA-F]{40}$/.test(line)) {
        throw new TrackerServerError('ETRACKER_CONFIG', `${this.file}:${lineNo}: not a 40-hex info-hash`, { path: this.file, line: lineNo });
      }
      if (next.size >= MAX_ACCESS_ENTRIES) throw new TrackerServerError('ETRACKER_CONFIG', `${this.file}: more than ${MAX_ACCESS_ENTRIES} entries`);
      next.add(Buffer.from(line, 'hex').toString('latin1'));
    }
    this.set = next;
    return next.size;
  }

  get size(): number {
    return this.set.size;
  }

  /** Whether announces and scrapes for this 20-byte info-hash are served. */
  allows(infoHash: Uint8Array): boolean {
    if (this.mode === 'open') return true;
    const has = this.set.has(hashKey(infoHash));
    return this.mode === 'allow' ? has : !has;
  }
}
