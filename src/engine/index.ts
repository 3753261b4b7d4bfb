// The engine's public API: what the settlement transactions, the simulator and the bench use.
export * from './money.ts';
export * from './catalog.ts';
export * from './policy.ts';
export * from './settle.ts';
export * from './interface.ts';
export * from './explanation-words.ts';
