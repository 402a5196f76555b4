// The type that only the release gate can make: what the connection sends is a Released value, so a handler's own
// result, or anything else that did not pass the gate, does not compile where a result is posted.
declare const RELEASED: unique symbol;

/** `T` after the gate: the same shape, marked. The mark exists for the type checker only (no runtime cost). */
export type Released<T> = T & { readonly [RELEASED]: true };

/** Marks a value as released. Used only inside runner/src/disclosure/, by the gate's own rules. */
export const mark = <T>(value: T): Released<T> => value as Released<T>;
