import { countryTimeZones, nextSendTime, personalize, placeholders, templateFor, transliterateToGsm7 } from './campaign-text';
import { analyzeText } from './encoding';

describe('transliteration', () => {
  it('turns letters GSM-7 lacks into their base letters, keeps the ones it has', () => {
    expect(transliterateToGsm7('Bok Đurđa, čekamo vas u Šibeniku: žuti ćevapi!')).toBe('Bok Durda, cekamo vas u Sibeniku: zuti cevapi!');
    expect(transliterateToGsm7('Łódź, Příliš, Árvíztűrő')).toBe('Lodz, Prilis, Arvizturo');
    expect(transliterateToGsm7('café Müller ñ Ç')).toBe('café Müller ñ Ç');
    expect(analyzeText(transliterateToGsm7('Bok Ana, popust 20% — čekamo vas!')).encoding).toBe('UCS-2'); // the dash is for smart encoding
    expect(transliterateToGsm7('Привет 😀')).toBe('Привет 😀');
  });
});

describe('templates', () => {
  const message = { default: 'Hi {{name}}', locales: { hr: 'Bok {{ name }}', pt: 'Olá {{name}}', 'pt-BR': 'Oi {{name}}' } };

  it('takes the locale, then its language, then the default', () => {
    expect(templateFor(message, 'hr')).toEqual({ locale: 'hr', text: 'Bok {{ name }}' });
    expect(templateFor(message, 'pt-BR').locale).toBe('pt-BR');
    expect(templateFor(message, 'pt-PT').locale).toBe('pt');
    expect(templateFor(message, 'de')).toEqual({ locale: 'default', text: 'Hi {{name}}' });
    expect(templateFor(message, null).locale).toBe('default');
  });

  it('fills placeholders and reports the ones without a value', () => {
    expect(placeholders('{{a}} {{ b }} {{a}} {{not valid}}')).toEqual(['a', 'b']);
    expect(personalize('Bok {{ name }}, {{code}}!', { name: 'Ana', code: '7' })).toEqual({ text: 'Bok Ana, 7!', missing: [] });
    expect(personalize('Hi {{name}} {{x}}', { name: 'Bo' })).toEqual({ text: 'Hi Bo ', missing: ['x'] });
  });
});

describe('quiet hours', () => {
  const quiet = { from: '21:00', to: '08:00' };

  it('knows the time zones of a country from ICU', () => {
    expect(countryTimeZones('HR')).toEqual(['Europe/Zagreb']);
    expect(countryTimeZones('US')).toEqual(expect.arrayContaining(['America/New_York', 'America/Los_Angeles', 'Pacific/Honolulu']));
    expect(countryTimeZones(undefined)).toEqual([]);
  });

  it('sends at once outside the window, and at its end inside it (local time, across midnight)', () => {
    const noonInZagreb = new Date('2026-06-10T10:00:00Z');
    expect(nextSendTime(quiet, 'HR', noonInZagreb)).toEqual(noonInZagreb);
    // 23:15 in Zagreb in summer (UTC+2): 08:00 next morning is 06:00Z.
    expect(nextSendTime(quiet, 'HR', new Date('2026-06-10T21:15:30Z'))).toEqual(new Date('2026-06-11T06:00:00Z'));
    // 05:00 in Zagreb: the same morning.
    expect(nextSendTime(quiet, 'HR', new Date('2026-06-10T03:00:00Z'))).toEqual(new Date('2026-06-10T06:00:00Z'));
    expect(nextSendTime(null, 'HR', noonInZagreb)).toEqual(noonInZagreb);
    expect(nextSendTime({ from: '12:00', to: '14:00' }, 'HR', noonInZagreb)).toEqual(new Date('2026-06-10T12:00:00Z'));
  });

  it('waits until the window is open in every zone of a country with several', () => {
    // 08:30 in New York (EST) is 03:30 in Honolulu: the US waits for 08:00 in Honolulu (18:00Z).
    expect(nextSendTime(quiet, 'US', new Date('2026-12-10T13:30:00Z'))).toEqual(new Date('2026-12-10T18:00:00Z'));
  });

  it('reads a number without a country as UTC, and gives up when the zones never overlap', () => {
    expect(nextSendTime(quiet, undefined, new Date('2026-12-10T22:00:00Z'))).toEqual(new Date('2026-12-11T08:00:00Z'));
    // Quiet 02:00–23:00: a one-hour window, which Kiribati's zones (UTC+12 to +14) do not share.
    expect(nextSendTime({ from: '02:00', to: '01:00' }, 'KI', new Date('2026-12-10T12:00:00Z'))).toBeNull();
  });
});
