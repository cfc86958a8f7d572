export * from './message-intake';
export * from './message-cancel';
export * from './intake-limits';
export * from './sender-rules';
export * from './verification-codes';
