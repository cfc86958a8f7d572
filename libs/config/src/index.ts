export * from './env';
export * from './config';
export * from './ports';
export * from './tls';
