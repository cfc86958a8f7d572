export * from './encoding';
export * from './phone';
export * from './receipt-text';
export * from './error-taxonomy';
export * from './routing';
export * from './smpp-user-data';
export * from './limits';
export * from './campaign-text';
