import { ShoalError } from '../core/errors.js';

/** Why a decode failed; names follow libtorrent's bdecode error names where they exist. */
export type BencodeReason =
  | 'unexpected_eof'
  | 'expected_digit'
  | 'expected_colon'
  | 'expected_value'
  | 'depth_exceeded'
  | 'limit_exceeded'
  | 'overflow'
  | 'non_canonical'
  | 'unsorted_keys'
  | 'duplicate_key'
  | 'trailing_bytes';

export class BencodeError extends ShoalError {
  readonly reason: BencodeReason;
  readonly offset: number;

  constructor(reason: BencodeReason, offset: number, detail?: string) {
    super('EBENCODE', `invalid bencoding at byte ${offset}: ${detail ?? reason.replace(/_/g, ' ')}`, { offset });
    this.reason = reason;
    this.offset = offset;
  }
}

export class BencodeEncodeError extends ShoalError {
  constructor(message: string) {
    super('EBENCODE_ENCODE', message);
  }
}
