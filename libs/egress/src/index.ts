// The one way out to a URL a tenant gave us (status callbacks now, inbound webhooks later).
export * from './egress-policy';
export * from './egress-client';
