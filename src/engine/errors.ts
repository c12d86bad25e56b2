import { ShoalError } from '../core/errors.js';

/**
 * A caller passed the scheduling core something impossible (code `ESCHED`): a bad
 * torrent geometry, a bitfield of the wrong length, a non-positive rate window.
 * These are programming errors in the engine, never something a peer can cause:
 * peer input (HAVE index out of range, odd block offsets) is answered with a return
 * value the engine turns into a protocol violation.
 */
export class SchedulerError extends ShoalError {
  constructor(message: string, context: { [k: string]: unknown } = {}) {
    super('ESCHED', message, context);
  }
}
