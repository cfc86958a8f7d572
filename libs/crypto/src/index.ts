export * from './aead';
export * from './kms';
