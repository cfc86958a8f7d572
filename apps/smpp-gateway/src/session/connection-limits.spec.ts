// Connection caps in total and per source address.
import { sourceAddress } from '@app/egress';
import { ConnectionLimits } from './connection-limits';

it('admits up to the per-address and the total cap, and frees a place on release', () => {
  const limits = new ConnectionLimits({ maxConnections: 3, maxConnectionsPerIp: 2 });
  expect(limits.admit('127.0.0.2').ok).toBe(true);
  expect(limits.admit('127.0.0.2').ok).toBe(true);
  expect(limits.admit('127.0.0.2')).toEqual({ ok: false, reason: expect.stringContaining('SMPP_MAX_CONNECTIONS_PER_IP') });
  expect(limits.admit('127.0.0.3').ok).toBe(true);
  expect(limits.admit('127.0.0.4')).toEqual({ ok: false, reason: expect.stringContaining('SMPP_MAX_CONNECTIONS') });
  limits.release('127.0.0.2');
  expect(limits.admit('127.0.0.2').ok).toBe(true);
  expect(limits.connections).toBe(3);
});

it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
  expect(sourceAddress('::ffff:127.0.0.2')).toBe('127.0.0.2');
  expect(sourceAddress('2001:db8::1')).toBe('2001:db8::1');
});
