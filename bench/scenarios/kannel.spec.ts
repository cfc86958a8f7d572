import { dlrOutcome, kannelConf } from './kannel';
import { peerRate, peerRatio, recordRate } from '../support';

describe('kannel scenario', () => {
  it('reads the dlr-url %d exactly: 16 (SMSC reject) and 8 (ack) are not deliveries', () => {
    expect(dlrOutcome('1')).toBe('delivered');
    expect(dlrOutcome('2')).toBe('failed');
    expect(dlrOutcome('16')).toBe('rejected');
    expect(dlrOutcome('8')).toBe('ack');
    expect(dlrOutcome('1 ')).toBe('unknown');
    expect(dlrOutcome('%d')).toBe('unknown');
    expect(dlrOutcome(null)).toBe('unknown');
  });

  it('writes an SMPP transceiver with file store, international TON and no msg-id-type', () => {
    const conf = kannelConf({
      dir: '/tmp/k',
      adminPort: 1001,
      adminPassword: 'a',
      smsboxPort: 1002,
      sendsmsPort: 1003,
      smsc: { id: 'alpha', port: 1004, systemId: 'alpha', password: 'alpha-pw' },
      window: 50,
      user: { username: 'u', password: 'p' },
    });
    expect(conf).toMatch(/^store-type = file$/m);
    expect(conf).toMatch(/^smsc = smpp$/m);
    expect(conf).toMatch(/^port = 1004$/m);
    expect(conf).toMatch(/^transceiver-mode = true$/m);
    expect(conf).toMatch(/^smsc-username = "alpha"$/m);
    expect(conf).toMatch(/^dest-addr-ton = 1$/m);
    expect(conf).toMatch(/^max-pending-submits = 50$/m);
    expect(conf).not.toMatch(/^msg-id-type/m);
    // every port is the one given, nothing fixed
    expect([...conf.matchAll(/^[a-z-]*port = (\d+)$/gm)].map((m) => m[1]).sort()).toEqual(['0', '1001', '1002', '1002', '1003', '1004']);
  });

  it('gives a peer ratio only for a peer recorded in this process', () => {
    expect(peerRate('kannel-spec-peer')).toBeUndefined();
    expect(peerRatio(1000, 'kannel-spec-peer')).toBeUndefined();
    recordRate('kannel-spec-peer', 2000);
    expect(peerRate('kannel-spec-peer')).toBe(2000);
    expect(peerRatio(1000, 'kannel-spec-peer')).toBe('ratio 0.5 = ours / kannel-spec-peer 2000/s (same run)');
  });
});
