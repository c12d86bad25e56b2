import { ShoalError } from '../../core/errors.js';

/** Why fetching metadata (BEP 9) failed: stable reason names. */
export type MetadataReason = 'timeout' | 'aborted' | 'closed' | 'invalid' | 'source';

/**
 * Metadata could not be fetched for a magnet link (code `EMETADATA`): the time limit passed,
 * the fetch was aborted or its client closed, or the info dictionary whose hash matched is not
 * a torrent shoal accepts ('invalid'; the MetainfoError is the cause).
 */
export class MetadataError extends ShoalError {
  readonly reason: MetadataReason;

  constructor(reason: MetadataReason, message: string, context: { [k: string]: unknown } = {}, options?: { cause?: unknown }) {
    super('EMETADATA', message, { reason, ...context }, options);
    this.reason = reason;
  }
}
