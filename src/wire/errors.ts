import { ShoalError } from '../core/errors.js';

/** Why a peer's bytes were refused; stable names, one per kind of violation. */
export type WireReason =
  | 'bad_handshake'
  | 'too_long'
  | 'bad_length'
  | 'bad_payload'
  | 'bad_extension'
  | 'bad_metadata'
  | 'bad_pex';

/**
 * A protocol violation by the remote peer (code `EWIRE`). The engine closes the
 * connection on any of these; nothing else escapes the decoders.
 */
export class WireError extends ShoalError {
  readonly reason: WireReason;

  constructor(reason: WireReason, message: string, context: { offset?: number; id?: number; length?: number; [k: string]: unknown } = {}, options?: { cause?: unknown }) {
    super('EWIRE', message, { reason, ...context }, options);
    this.reason = reason;
  }
}

/** Our own bad input to an encoder (a value out of range): a bug, not a peer's fault. */
export class WireEncodeError extends ShoalError {
  constructor(message: string) {
    super('EWIRE_ENCODE', message);
  }
}
