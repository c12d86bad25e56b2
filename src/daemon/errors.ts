import { ShoalError } from '../core/errors.js';
import { CreateError } from '../metainfo/create-errors.js';
import { MagnetError, MetainfoError, UnsafePathError } from '../metainfo/errors.js';

/** Stable API error codes (docs/api.md), each with its HTTP status. */
export const API_STATUS = {
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  INTERNAL: 500,
} as const;

export type ApiCode = keyof typeof API_STATUS;

/** An error the daemon's API answers with: `{ error: { code, message, ...context } }`. */
export class ApiError extends ShoalError {
  readonly apiCode: ApiCode;

  constructor(apiCode: ApiCode, message: string, context: { [k: string]: unknown } = {}, options?: { cause?: unknown }) {
    super(`EDAEMON_${apiCode}`, message, context, options);
    this.apiCode = apiCode;
  }

  get status(): number {
    return API_STATUS[this.apiCode];
  }
}

/** Maps anything thrown by the engine, metainfo or storage onto an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof ShoalError) {
    const reason = e.context['reason'];
    if (e.code === 'EENGINE' && reason === 'duplicate') return new ApiError('ALREADY_EXISTS', e.message, { ...e.context }, { cause: e });
    if (e.code === 'EENGINE' && (reason === 'select' || reason === 'peer_address' || reason === 'source' || reason === 'magnet')) {
      return new ApiError('INVALID_ARGUMENT', e.message, { ...e.context }, { cause: e });
    }
    if (e instanceof CreateError && e.code === 'ENOENT_INPUT') return new ApiError('NOT_FOUND', e.message, { ...e.context }, { cause: e });
    if (e instanceof MetainfoError || e instanceof MagnetError || e instanceof UnsafePathError || e instanceof CreateError || e.code.startsWith('EBENCODE')) {
      return new ApiError('INVALID_ARGUMENT', e.message, { ...e.context }, { cause: e });
    }
    return new ApiError('INTERNAL', e.message, { ...e.context }, { cause: e });
  }
  return new ApiError('INTERNAL', e instanceof Error ? e.message : String(e), {}, { cause: e });
}
