// @simpul/protocol: the contract shared by hub, runner and web.
export * from './version.ts';
export * from './errors.ts';
export * from './common.ts';
export * from './filter.ts';
export * from './analysis.ts';
export * from './ops.ts';
export * from './tasks.ts';
export * from './runners.ts';
export * from './auth.ts';
export * from './events.ts';
export * from './routes.ts';
