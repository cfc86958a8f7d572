// The one way out to a URL a tenant gave us (status callbacks, inbound webhooks), and how those are signed.
export * from './egress-policy';
export * from './egress-client';
export * from './webhook-signature';
