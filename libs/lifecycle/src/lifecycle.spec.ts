// The delivery lifecycle's decisions, the ones both shapes (a message's own workflow and a page)
// take from here.
import { backoffDelayMs, decideAttempt, exhaustedFailure, nextCarrier, noCarrierFailure, prepareMessageWith, receiptFailure, receiptTimeoutFailure, submitFailure, wantsVoiceFallback } from './index';

const ok = { state: 'DELIVRD' as const, errorCode: '000' };
const undeliv = (err = '032') => ({ state: 'UNDELIV' as const, errorCode: err });

describe('decideAttempt', () => {
  it('waits until every part is delivered, then delivers', () => {
    expect(decideAttempt('alpha', [ok, undefined], false)).toEqual({ outcome: 'waiting' });
    expect(decideAttempt('alpha', [ok, ok], false)).toEqual({ outcome: 'delivered', receipt: ok });
  });

  it('fails at the first failed part, even before the other parts report', () => {
    const decision = decideAttempt('alpha', [undefined, undeliv()], false);
    expect(decision).toMatchObject({ outcome: 'failed', receipt: undeliv(), error: { code: 'delivery_failed', rawCode: 'UNDELIV err:032' }, stop: false });
  });

  it('decides by the first part alone for a carrier that sends first-part receipts only', () => {
    expect(decideAttempt('alpha', [ok, undefined, undefined], true)).toEqual({ outcome: 'delivered', receipt: ok });
    expect(decideAttempt('alpha', [undefined, undefined], true)).toEqual({ outcome: 'waiting' });
    expect(decideAttempt('alpha', [ok, undefined], false)).toEqual({ outcome: 'waiting' });
  });

  it('treats intermediate states as no receipt yet', () => {
    expect(decideAttempt('alpha', [{ state: 'ENROUTE', errorCode: '000' }], false)).toEqual({ outcome: 'waiting' });
    expect(decideAttempt('alpha', [], false)).toEqual({ outcome: 'waiting' });
  });

  it('stops failover on a permanent error (unknown subscriber)', () => {
    expect(decideAttempt('alpha', [undeliv('001')], false)).toMatchObject({ outcome: 'failed', error: { code: 'unknown_subscriber' }, errorClass: 'permanent', stop: true });
  });
});

describe('failures', () => {
  it('names the carrier, the cause and our code for each way an attempt ends', () => {
    expect(receiptFailure('beta', undeliv('001')).reason).toBe('carrier beta reported UNDELIV (err 001): The number is not assigned to a subscriber');
    expect(receiptTimeoutFailure('alpha', 6000)).toMatchObject({ reason: 'no delivery receipt from carrier alpha within 6 s', error: { code: 'receipt_timeout', rawCode: 'no receipt within 6000 ms' }, stop: false });
    expect(submitFailure('alpha', { code: 'invalid_destination', rawCode: 'ESME_RINVDSTADR (0x0000000b)' }, 'invalid number')).toMatchObject({ stop: true, errorClass: 'permanent' });
    expect(submitFailure('alpha', { code: 'carrier_rejected', rawCode: 'x' }, 'refused')).toMatchObject({ stop: false, reason: 'carrier alpha did not accept the message: refused' });
    expect(noCarrierFailure()).toMatchObject({ error: { code: 'no_route' }, stop: true });
  });
});

describe('exhaustedFailure (a page whose message has no carrier left)', () => {
  it('ends with the last attempt\u2019s failure, as the message\u2019s own workflow does', () => {
    expect(exhaustedFailure({ carrierId: 'beta', status: 'receipt_timeout', error: { carrierMessageId: 'x' } as never }, 6000)).toEqual(receiptTimeoutFailure('beta', 6000));
    const undelivered = receiptFailure('beta', undeliv('001'));
    expect(exhaustedFailure({ carrierId: 'beta', status: 'receipt_failed', error: { reason: undelivered.reason, ...undelivered.error } }, 6000)).toEqual(undelivered);
    expect(exhaustedFailure(null, 6000)).toEqual(noCarrierFailure('every carrier of the route plan was tried'));
  });
});

describe('failover', () => {
  it('takes the first carrier not tried, within the policy\u2019s attempts', () => {
    expect(nextCarrier(['alpha', 'beta', 'gamma'], [], 3)).toBe('alpha');
    expect(nextCarrier(['alpha', 'beta', 'gamma'], ['alpha'], 3)).toBe('beta');
    expect(nextCarrier(['alpha', 'beta', 'gamma'], ['alpha', 'beta'], 2)).toBeUndefined();
    expect(nextCarrier(['alpha'], ['alpha'], 3)).toBeUndefined();
  });

  it('calls by voice after failed SMS attempts unless the number itself is the problem', () => {
    expect(wantsVoiceFallback(true, 2, receiptTimeoutFailure('alpha', 1000))).toBe(true);
    expect(wantsVoiceFallback(true, 1, receiptFailure('alpha', undeliv('001')))).toBe(false);
    expect(wantsVoiceFallback(false, 2, receiptTimeoutFailure('alpha', 1000))).toBe(false);
    expect(wantsVoiceFallback(true, 0, noCarrierFailure())).toBe(false);
  });

  it('pauses between half the base and the base, growing per attempt', () => {
    const policy = { backoff: { initialMs: 1000, maxMs: 5000, multiplier: 2 } };
    expect(backoffDelayMs(policy, 2, () => 0)).toBe(500);
    expect(backoffDelayMs(policy, 3, () => 1)).toBe(2000);
    expect(backoffDelayMs(policy, 10, () => 1)).toBe(5000);
  });
});

describe('prepareMessageWith', () => {
  const plan = { carriers: ['alpha'], receiptTimeoutMs: 1_000, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 }, routingVersion: 1, ruleId: 'r', priority: 'otp' as const, voiceFallback: false, sendAt: null };

  it('plans no route for a recipient the check rejected', async () => {
    const planned = jest.fn(async () => plan);
    const error = { code: 'recipient_opted_out', rawCode: 'opt-out event 3' };
    expect(await prepareMessageWith({ check: async () => ({ outcome: 'rejected', reason: 'opted out', error }), plan: planned })).toEqual({
      check: { outcome: 'rejected', reason: 'opted out', error },
      plan: null,
    });
    expect(planned).not.toHaveBeenCalled();
  });

  it('plans the route after a clear or exempt check, and without a check when there is none', async () => {
    expect(await prepareMessageWith({ check: async () => ({ outcome: 'exempt', optOutEventId: '4' }), plan: async () => plan })).toEqual({ check: { outcome: 'exempt', optOutEventId: '4' }, plan });
    expect(await prepareMessageWith({ plan: async () => plan })).toEqual({ check: { outcome: 'clear' }, plan });
  });
});
