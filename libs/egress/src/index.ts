// Addresses and the network edge: the one way out to a URL a tenant gave us (status callbacks,
// inbound webhooks) and how those are signed, and the client-address allow-lists of API keys and
// SMPP credentials.
export * from './egress-policy';
export * from './egress-client';
export * from './webhook-signature';
export * from './ip-allowlist';
