export * from './message-intake';
export * from './message-cancel';
export * from './intake-limits';
export * from './verification-codes';
