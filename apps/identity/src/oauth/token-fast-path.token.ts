/**
 * Provider token of TokenFastPath for the mutual-TLS listener, which looks it up at start-up: the
 * class itself cannot be imported there without a cycle (the token endpoint needs that listener).
 */
export const TOKEN_FAST_PATH = Symbol('TokenFastPath');
