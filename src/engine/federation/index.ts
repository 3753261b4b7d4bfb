export * from './directory.ts';
export * from './protocol.ts';
