export * from './carrier-connector';
export * from './carrier-submit-error';
export * from './smpp/smpp-connector';
export * from './smpp/smpp-errors';
export * from './voice/voice-connector';
export * from './http/http-connector';
export * from './lookup/number-lookup';
