// Validation of API request values: INVALID_ARGUMENT with the field on failure.
import type { Metainfo } from '../metainfo/types.js';
import { ApiError } from './errors.js';
import { PRIORITIES } from './store.js';
import type { Priority } from './store.js';

/** A rate limit in bytes per second: a whole number >= 0 (0 = unlimited). */
export function checkRate(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ApiError('INVALID_ARGUMENT', `${what} limit must be a whole number of bytes per second >= 0 (0 = unlimited)`, { field: what });
  return v;
}

/** One priority per file, each known, and at least one file wanted. */
export function checkPriorities(p: readonly unknown[], meta: Metainfo): Priority[] {
  if (p.length !== meta.files.length) throw new ApiError('INVALID_ARGUMENT', `expected ${meta.files.length} priorities, got ${p.length}`);
  for (const x of p) if (!PRIORITIES.includes(x as Priority)) throw new ApiError('INVALID_ARGUMENT', `priority must be one of ${PRIORITIES.join(', ')}`, { priority: String(x) });
  const out = p as Priority[];
  if (out.every((x, i) => x === 'skip' || meta.files[i]!.length === 0 || meta.files[i]!.pad) && out.some((x) => x === 'skip')) {
    throw new ApiError('INVALID_ARGUMENT', 'at least one file must be wanted (stop the torrent instead)');
  }
  return [...out];
}
