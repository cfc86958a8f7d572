export * from './message-intake';
export * from './message-cancel';
