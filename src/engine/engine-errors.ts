import { ShoalError } from '../core/errors.js';

/** Why the engine refused something: stable reason names. */
export type EngineReason = 'source' | 'duplicate' | 'closed' | 'listen' | 'select' | 'peer_address' | 'magnet';

/** An engine-level error (code `EENGINE`): bad torrent source, torrent added twice, client closed… */
export class EngineError extends ShoalError {
  readonly reason: EngineReason;

  constructor(reason: EngineReason, message: string, context: { [k: string]: unknown } = {}, options?: { cause?: unknown }) {
    super('EENGINE', message, { reason, ...context }, options);
    this.reason = reason;
  }
}
