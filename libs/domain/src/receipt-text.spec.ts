import { formatReceiptText, isFinalStat, isSuccessStat, messageStateToStat, parseReceiptText, ReceiptStat, statToMessageState } from './receipt-text';

describe('formatReceiptText', () => {
  const submitDate = new Date(Date.UTC(2026, 10, 25, 7, 5, 59));
  const doneDate = new Date(Date.UTC(2026, 10, 25, 7, 6));

  it('writes the Appendix B text with UTC dates and the first 20 characters', () => {
    const text = formatReceiptText({ id: 'abc123', submitDate, doneDate, stat: 'DELIVRD', err: '000', text: 'Hello there, this is longer than twenty' });
    expect(text).toBe('id:abc123 sub:001 dlvrd:001 submit date:2611250705 done date:2611250706 stat:DELIVRD err:000 text:Hello there, this is');
    expect(parseReceiptText(text)).toEqual({ id: 'abc123', sub: 1, dlvrd: 1, submitDate: '2611250705', doneDate: '2611250706', stat: 'DELIVRD', err: '000', text: 'Hello there, this is' });
  });

  it('counts nothing delivered for failures, pads short error codes and allows an empty text', () => {
    const text = formatReceiptText({ id: '7', submitDate, doneDate, stat: 'UNDELIV', err: '1' });
    expect(text).toBe('id:7 sub:001 dlvrd:000 submit date:2611250705 done date:2611250706 stat:UNDELIV err:001 text:');
  });

  it('round-trips every stat', () => {
    const stats: ReceiptStat[] = ['DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD', 'ENROUTE'];
    for (const stat of stats) expect(parseReceiptText(formatReceiptText({ id: 'x', submitDate, doneDate, stat, err: '000' }))?.stat).toBe(stat);
  });
});

describe('parseReceiptText', () => {
  it.each([
    [
      'capitalised Text: (Logica SMPPSim style)',
      'id:0123456789 sub:001 dlvrd:001 submit date:0610191018 done date:0610191018 stat:DELIVRD err:000 Text:Hello World',
      { id: '0123456789', sub: 1, dlvrd: 1, submitDate: '0610191018', doneDate: '0610191018', stat: 'DELIVRD', err: '000', text: 'Hello World' },
    ],
    [
      'upper-case keys, underscores, 12-digit dates, lower-case stat',
      'ID:7F2A sub:1 dlvrd:0 Submit_Date:261125070512 Done_Date:261125070600 Stat:undeliv Err:034 Text:',
      { id: '7F2A', sub: 1, dlvrd: 0, submitDate: '261125070512', doneDate: '261125070600', stat: 'UNDELIV', err: '034', text: '' },
    ],
    [
      'no text: field at all',
      'id:c449ab9744f47b6af1879e49e75e4f40 sub:001 dlvrd:000 submit date:2611250705 done date:2611250715 stat:EXPIRED err:000',
      { id: 'c449ab9744f47b6af1879e49e75e4f40', stat: 'EXPIRED', err: '000', text: undefined, doneDate: '2611250715' },
    ],
    [
      'extra spaces around and after colons',
      '  id: 42  sub: 001   dlvrd: 001  submit  date: 2611250705 done date : 2611250706  stat : DELIVRD  err: 000  text: hi  ',
      { id: '42', sub: 1, dlvrd: 1, submitDate: '2611250705', doneDate: '2611250706', stat: 'DELIVRD', err: '000', text: ' hi  ' },
    ],
    [
      'spelled-out state',
      'id:99 sub:001 dlvrd:000 submit date:2611250705 done date:2611250706 stat:REJECTED err:011 text:x',
      { id: '99', stat: 'REJECTD', err: '011' },
    ],
    ['only id and stat', 'id:1 stat:EXPIRED', { id: '1', stat: 'EXPIRED', err: '000', sub: undefined, submitDate: undefined }],
    [
      'a text that itself contains receipt keywords',
      'id:5 sub:001 dlvrd:001 submit date:2611250705 done date:2611250706 stat:DELIVRD err:000 text:stat:UNDELIV err:999',
      { id: '5', stat: 'DELIVRD', err: '000', text: 'stat:UNDELIV err:999' },
    ],
  ])('reads %s', (_name, text, expected) => {
    expect(parseReceiptText(text)).toMatchObject(expected);
  });

  it('ignores dates of the wrong length', () => {
    expect(parseReceiptText('id:1 submit date:26112507 done date:26112507051234 stat:DELIVRD')).toMatchObject({ submitDate: undefined, doneDate: undefined });
  });

  it.each([
    ['an ordinary MO message', 'Hello, this is an ordinary MO message'],
    ['an unknown stat', 'id:1 stat:WHATEVER'],
    ['no id', 'sub:001 dlvrd:001 stat:DELIVRD err:000'],
    ['no stat', 'id:1 sub:001 dlvrd:001 err:000 text:hi'],
    ['keywords only inside the text', 'text:id:1 stat:DELIVRD'],
    ['an empty string', ''],
  ])('returns null for %s', (_name, text) => {
    expect(parseReceiptText(text)).toBeNull();
  });
});

describe('message_state and stat rules', () => {
  it('maps SMPP 3.4 message_state values both ways', () => {
    const pairs: [number, ReceiptStat][] = [[1, 'ENROUTE'], [2, 'DELIVRD'], [3, 'EXPIRED'], [4, 'DELETED'], [5, 'UNDELIV'], [6, 'ACCEPTD'], [7, 'UNKNOWN'], [8, 'REJECTD']];
    for (const [n, stat] of pairs) {
      expect(messageStateToStat(n)).toBe(stat);
      expect(statToMessageState(stat)).toBe(n);
    }
    expect(messageStateToStat(0)).toBeUndefined();
    expect(messageStateToStat(99)).toBeUndefined();
  });

  it('knows which stats are final and which is success', () => {
    expect(isFinalStat('ENROUTE')).toBe(false);
    expect(isFinalStat('ACCEPTD')).toBe(false);
    expect(isFinalStat('REJECTD')).toBe(true);
    expect(isFinalStat('DELIVRD')).toBe(true);
    expect(isSuccessStat('DELIVRD')).toBe(true);
    expect(isSuccessStat('UNDELIV')).toBe(false);
    expect(isSuccessStat('ACCEPTD')).toBe(false);
  });
});
