import { ShoalError } from '../core/errors.js';

/** Stable reasons for DHT errors. */
export type DhtReason =
  | 'oversized' // packet longer than MAX_PACKET
  | 'bencode' // not valid bencoding (or over the depth/item limits)
  | 'malformed' // valid bencoding, not a valid KRPC message
  | 'timeout' // no answer to our query in time
  | 'remote' // the remote node answered with a KRPC error
  | 'closed' // the node was closed
  | 'address' // a bad host:port
  | 'state'; // the routing-table file is unreadable

/** A DHT error (code `EDHT`). Codec errors carry the transaction id when one was readable. */
export class DhtError extends ShoalError {
  readonly reason: DhtReason;

  constructor(reason: DhtReason, message: string, context: { [k: string]: unknown } = {}, options?: { cause?: unknown }) {
    super('EDHT', message, { reason, ...context }, options);
    this.reason = reason;
  }
}

/** KRPC error codes (BEP 5). */
export const KRPC_ERROR = {
  generic: 201,
  server: 202,
  protocol: 203,
  methodUnknown: 204,
} as const;
