import { formatReceiptText, isFinalStat, messageStateToStat, parseReceiptText, statToMessageState } from './receipt-text';

describe('receipt text', () => {
  it('formats the standard text and parses it back', () => {
    const text = formatReceiptText({ id: 'abc123', submitDate: new Date(Date.UTC(2026, 10, 25, 7, 5)), doneDate: new Date(Date.UTC(2026, 10, 25, 7, 6)), stat: 'DELIVRD', err: '000', text: 'Hello there, this is longer than twenty' });
    expect(text).toBe('id:abc123 sub:001 dlvrd:001 submit date:2611250705 done date:2611250706 stat:DELIVRD err:000 text:Hello there, this is');
    expect(parseReceiptText(text)).toEqual({ id: 'abc123', sub: 1, dlvrd: 1, submitDate: '2611250705', doneDate: '2611250706', stat: 'DELIVRD', err: '000', text: 'Hello there, this is' });
  });

  it('tolerates real-world variants', () => {
    expect(parseReceiptText('ID:7F2A sub:1 dlvrd:0 Submit_Date:261125070512 Done_Date:261125070600 Stat:undeliv Err:034 Text:')).toMatchObject({
      id: '7F2A',
      stat: 'UNDELIV',
      err: '034',
      submitDate: '261125070512',
    });
    expect(parseReceiptText('id:1 stat:EXPIRED')).toMatchObject({ id: '1', stat: 'EXPIRED', err: '000' });
  });

  it('returns null for text that is not a receipt', () => {
    expect(parseReceiptText('Hello, this is an ordinary MO message')).toBeNull();
    expect(parseReceiptText('id:1 stat:WHATEVER')).toBeNull();
  });

  it('maps message_state values', () => {
    expect(statToMessageState('DELIVRD')).toBe(2);
    expect(messageStateToStat(5)).toBe('UNDELIV');
    expect(messageStateToStat(99)).toBeUndefined();
    expect(isFinalStat('ENROUTE')).toBe(false);
    expect(isFinalStat('REJECTD')).toBe(true);
  });
});
