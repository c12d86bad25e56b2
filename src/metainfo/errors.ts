import { ShoalError, type ErrorContext } from '../core/errors.js';

/**
 * A .torrent file or info dictionary that shoal refuses. `code` is 'EMETAINFO' except for
 * BitTorrent v2-only metadata ('EV2_UNSUPPORTED'); `context.reason` names the check that
 * failed, after libtorrent's error names where one exists (missing_name, invalid_length,
 * too_many_pieces, invalid_hashes, inconsistent_files, …), and is stable too.
 */
export class MetainfoError extends ShoalError {
  constructor(message: string, context: ErrorContext = {}, code = 'EMETAINFO', options?: { cause?: unknown }) {
    super(code, message, context, options);
  }
}

export const V2_UNSUPPORTED_MESSAGE = 'BitTorrent v2-only torrents are not yet supported';

/** A magnet URI shoal cannot use. code 'EMAGNET' ('EV2_UNSUPPORTED' for a v2-only magnet). */
export class MagnetError extends ShoalError {
  constructor(message: string, context: ErrorContext = {}, code = 'EMAGNET', options?: { cause?: unknown }) {
    super(code, message, context, options);
  }
}

/** A path that would leave the download directory (code 'EUNSAFE_PATH'). */
export class UnsafePathError extends ShoalError {
  constructor(message: string, context: ErrorContext = {}) {
    super('EUNSAFE_PATH', message, context);
  }
}

/** Shorthand used by the parser: a MetainfoError carrying its reason in the context. */
export function metainfoError(reason: string, message: string, context: ErrorContext = {}, cause?: unknown): MetainfoError {
  const code = reason === 'v2_unsupported' ? 'EV2_UNSUPPORTED' : 'EMETAINFO';
  return new MetainfoError(message, { ...context, reason }, code, cause === undefined ? undefined : { cause });
}
