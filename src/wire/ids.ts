/**
 * Peer wire message ids. The id is the first byte after the 4-byte length prefix;
 * a zero length (no id) is a keep-alive (BEP 3).
 */
export const MessageId = {
  choke: 0, // BEP 3
  unchoke: 1, // BEP 3
  interested: 2, // BEP 3
  notInterested: 3, // BEP 3
  have: 4, // BEP 3
  bitfield: 5, // BEP 3
  request: 6, // BEP 3
  piece: 7, // BEP 3
  cancel: 8, // BEP 3
  port: 9, // BEP 5 (DHT listen port)
  suggest: 13, // BEP 6 (fast extension)
  haveAll: 14, // BEP 6
  haveNone: 15, // BEP 6
  reject: 16, // BEP 6
  allowedFast: 17, // BEP 6
  extended: 20, // BEP 10 (extension protocol)
} as const;

export type MessageIdValue = (typeof MessageId)[keyof typeof MessageId];

/** Largest block a request may ask for and a piece may carry by default (BEP 3: 2^14). */
export const BLOCK_SIZE = 16384;
