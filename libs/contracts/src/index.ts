export * from './messages';
export * from './temporal';
export * from './errors';
export * from './pages';
export * from './conversations';
export * from './campaigns';
export * from './verifications';
export * from './retention';
