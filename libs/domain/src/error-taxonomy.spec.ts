import { classifyHttpStatus, classifyReceipt, classifySmppStatus, ERRORS, errorDefinition } from './error-taxonomy';

describe('error taxonomy', () => {
  it.each([
    [0x0b, 'ESME_RINVDSTADR', 'invalid_destination', 'permanent'],
    [0x58, 'ESME_RTHROTTLED', 'carrier_throttled', 'retry_same_carrier'],
    [0x14, 'ESME_RMSGQFUL', 'carrier_throttled', 'retry_same_carrier'],
    [0x08, 'ESME_RSYSERR', 'carrier_unavailable', 'retry_same_carrier'],
    [0x0a, 'ESME_RINVSRCADR', 'invalid_sender', 'try_next_carrier'],
    [0x01, 'ESME_RINVMSGLEN', 'invalid_message', 'try_next_carrier'],
    [0x66, 'ESME_RX_R_APPN', 'destination_barred', 'permanent'],
    [0x0c, 'ESME_RINVMSGID', 'carrier_rejected', 'try_next_carrier'],
  ])('SMPP 0x%s %s → %s (%s)', (status, name, code, cls) => {
    expect(classifySmppStatus(status, name)).toMatchObject({ code, class: cls, rawCode: `${name} (0x${status.toString(16).padStart(8, '0')})` });
  });

  it.each([
    ['UNDELIV', '001', 'unknown_subscriber', 'permanent'],
    ['UNDELIV', '013', 'destination_barred', 'permanent'],
    ['UNDELIV', '027', 'absent_subscriber', 'try_next_carrier'],
    ['UNDELIV', '032', 'delivery_failed', 'try_next_carrier'],
    ['UNDELIV', '000', 'delivery_failed', 'try_next_carrier'],
    ['EXPIRED', '000', 'expired', 'try_next_carrier'],
    ['REJECTD', 'XYZ', 'carrier_rejected', 'try_next_carrier'],
    ['UNDELIV', '999', 'delivery_failed', 'try_next_carrier'],
  ] as const)('receipt %s err:%s → %s (%s)', (state, err, code, cls) => {
    expect(classifyReceipt(state, err)).toMatchObject({ code, class: cls, rawCode: `${state} err:${err}` });
  });

  it.each([
    [429, 'carrier_throttled'],
    [503, 'carrier_unavailable'],
    [408, 'carrier_unavailable'],
    [400, 'carrier_rejected'],
  ])('HTTP %i → %s', (status, code) => {
    expect(classifyHttpStatus(status)).toMatchObject({ code, rawCode: `HTTP ${status}` });
  });

  it('has a unique code, a class and a remediation for every entry', () => {
    const entries = Object.values(ERRORS);
    expect(new Set(entries.map((e) => e.code)).size).toBe(entries.length);
    for (const e of entries) {
      expect(e.remediation.length).toBeGreaterThan(5);
      expect(errorDefinition(e.code)).toBe(e);
    }
  });
});
