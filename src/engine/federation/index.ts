export * from './directory.ts';
export * from './protocol.ts';
export * from './reconcile.ts';
