/** The bytes bencoding is made of, shared by the decoder and the encoder. */
export const C_0 = 0x30; // '0'
export const C_9 = 0x39; // '9'
export const C_COLON = 0x3a; // ':'
export const C_MINUS = 0x2d; // '-'
export const C_D = 0x64; // 'd'
export const C_E = 0x65; // 'e'
export const C_I = 0x69; // 'i'
export const C_L = 0x6c; // 'l'
