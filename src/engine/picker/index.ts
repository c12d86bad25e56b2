export { PiecePicker } from './picker.js';
export type { PickerOptions, BlockOutcome, BlockStatus, DroppedRequest } from './picker.js';
export { PickerPeer } from './peer.js';
export { BLOCK_SIZE, Geometry } from './blocks.js';
export type { BlockRequest } from './blocks.js';
export { wantedPieces } from './wanted.js';
