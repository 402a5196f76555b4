// Pure shared maths: how the hub combines sites' partials into a study's result, and which round a study sends next.
//
// No I/O, no clocks, no randomness: functions of their arguments only, so hub and runner compute the same numbers and
// tests can check them against single-site answers. The wire shapes they read and write (partials, round params,
// results) are the contract and stay in `../federated.ts` and `../federated-results.ts`; this folder imports only
// those, zod and itself. `linalg.ts` (Cholesky factors, solves) is internal and not re-exported.
export * from './moments.ts';
export * from './groups.ts';
export * from './crossprod.ts';
export * from './logistic.ts';
export * from './study.ts';
