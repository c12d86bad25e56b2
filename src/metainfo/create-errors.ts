import { ShoalError } from '../core/errors.js';

/**
 * Raised by `createTorrent` and the input walk. Codes:
 * - 'ENOENT_INPUT'   the path to share does not exist
 * - 'EEMPTY'         nothing to hash (no files, or only empty files)
 * - 'EPIECE_LENGTH'  piece length not a power of two in the allowed range
 * - 'EINPUT'         an entry of the tree cannot be examined (dangling symlink, permission)
 * - 'ESYMLINK_LOOP'  a symlinked directory leads back to one of its ancestors
 * - 'EOPTIONS'       another option is malformed (announce URL, name, date)
 * Hashing errors ('EABORTED', 'EINPUT_READ', 'EINPUT_CHANGED', 'EHASH_WORKER') come as `HashError`.
 */
export class CreateError extends ShoalError {}
