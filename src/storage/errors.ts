import { ShoalError, type ErrorContext } from '../core/errors.js';

/**
 * Why a storage operation failed (stable names):
 * - missing: the data is not on disk (file absent or shorter than the range read);
 * - range: offset, length or piece index outside the torrent, or a piece of the wrong size;
 * - symlink: a path component on disk is a symlink (never followed);
 * - path: an unsafe path from metadata, or a parent on disk that is not a folder;
 * - closed: the storage was closed;
 * - io: any other operating-system error (the cause is attached).
 */
export type StorageReason = 'missing' | 'range' | 'symlink' | 'path' | 'closed' | 'io';

/** A storage failure (code 'ESTORAGE'; `reason` and context carry the detail). */
export class StorageError extends ShoalError {
  readonly reason: StorageReason;

  constructor(reason: StorageReason, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('ESTORAGE', message, { reason, ...context }, options);
    this.reason = reason;
  }
}
