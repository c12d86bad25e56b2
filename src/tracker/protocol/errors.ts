import { ShoalError, type ErrorContext } from '../../core/errors.js';

/** Why a tracker message was refused; stable strings, also used as failure reasons. */
export type TrackerProtocolReason =
  | 'malformed_query'
  | 'missing_param'
  | 'bad_param'
  | 'bad_info_hash'
  | 'bad_peer_id'
  | 'bad_port'
  | 'too_many_params'
  | 'too_long'
  | 'bad_packet'
  | 'bad_action'
  | 'bad_protocol_id'
  | 'bad_response';

/** A tracker request or response that does not follow BEP 3 / 15 / 23 / 7 / 48. */
export class TrackerProtocolError extends ShoalError {
  readonly reason: TrackerProtocolReason;

  constructor(reason: TrackerProtocolReason, message: string, context: ErrorContext = {}) {
    super('ETRACKER_PROTOCOL', message, { ...context, reason });
    this.reason = reason;
  }
}
