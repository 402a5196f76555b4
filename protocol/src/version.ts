// The wire contract's version. Raise it on every breaking change; hub and runner refuse a mismatch.
export const PROTOCOL_VERSION = 1;
