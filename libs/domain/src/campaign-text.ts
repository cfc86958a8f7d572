// Campaign texts and quiet hours: the template for a recipient's locale (falling back to the
// default), `{{placeholder}}` personalization, the opt-in transliteration of letters GSM-7 lacks,
// and the local-time quiet window of a recipient's country. Pure functions: the API validates
// and previews with them and the campaign activities apply them.
import { isGsm7, smartEncode } from './encoding';

export interface CampaignMessage {
  default: string;
  locales?: Record<string, string>;
}

/** A locale tag as recipients carry it: `hr`, `en`, `pt-BR`, `zh-Hant-TW`. */
export const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/;
/** A placeholder name: letters, digits and underscores, starting with a letter or underscore. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;

/**
 * The template for a locale: the exact tag, then its language (`pt-BR` → `pt`), then the
 * default. Returns which one it used.
 */
export function templateFor(message: CampaignMessage, locale: string | null | undefined): { locale: string; text: string } {
  const locales = message.locales ?? {};
  if (locale) {
    if (locales[locale] !== undefined) return { locale, text: locales[locale] };
    const language = locale.split('-')[0];
    if (locales[language] !== undefined) return { locale: language, text: locales[language] };
  }
  return { locale: 'default', text: message.default };
}

/** Names of the placeholders a template uses, each once, in order of first use. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** Fills `{{name}}` from the variables; a name without a value is reported, never sent as braces. */
export function personalize(template: string, variables: Record<string, string>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = variables[name];
    if (value === undefined) {
      missing.push(name);
      return '';
    }
    return value;
  });
  return { text, missing: [...new Set(missing)] };
}

/** Letters without a decomposition to a GSM-7 base letter. */
const TRANSLITERATIONS: Record<string, string> = { đ: 'd', Đ: 'D', ł: 'l', Ł: 'L', ß: 'ss', œ: 'oe', Œ: 'OE', ı: 'i', ħ: 'h', Ħ: 'H', ŧ: 't', Ŧ: 'T' };

/**
 * Letters GSM-7 lacks become their base letter (č ć → c, ž → z, š → s, đ → d, ő → o…), so a text
 * in Croatian, Czech, Polish or Hungarian can go as GSM-7 (160 characters per segment instead of
 * 70). Letters GSM-7 has (é, ö, ñ, Ç…) are kept, and so is anything without a Latin base letter
 * (Cyrillic, emoji): such a text stays UCS-2. A campaign option (`transliterate`), off by default:
 * the subscriber reads "cekamo" for "čekamo".
 */
export function transliterateToGsm7(text: string): string {
  let out = '';
  for (const ch of text) {
    if (isGsm7(ch)) out += ch;
    else if (TRANSLITERATIONS[ch]) out += TRANSLITERATIONS[ch];
    else {
      const base = ch.normalize('NFD').replace(/\p{M}+/gu, '');
      out += base !== ch && base.length > 0 && isGsm7(base) ? base : ch;
    }
  }
  return out;
}

/** The text as a campaign sends it: smart encoding, then transliteration, each when the campaign asks for it. */
export function campaignText(options: { smartEncoding: boolean; transliterate: boolean }, text: string): string {
  const smart = options.smartEncoding ? smartEncode(text) : text;
  return options.transliterate ? transliterateToGsm7(smart) : smart;
}

export interface QuietHours {
  /** Local "HH:MM" at which the quiet window starts (e.g. 21:00). */
  from: string;
  /** Local "HH:MM" at which it ends (e.g. 08:00); before `from` means it spans midnight. */
  to: string;
}

export const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

const minutesOf = (hhmm: string): number => {
  const m = TIME_OF_DAY.exec(hhmm);
  if (!m) throw new Error(`not a time of day: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/**
 * The IANA time zones of a country (ICU's data, as Node ships it). A country with several
 * zones gets all of them: see nextSendTime for how they are combined.
 */
export function countryTimeZones(country: string | null | undefined): string[] {
  if (!country) return [];
  try {
    const locale = new Intl.Locale(`und-${country}`) as Intl.Locale & { timeZones?: string[]; getTimeZones?: () => string[] };
    return locale.getTimeZones?.() ?? locale.timeZones ?? [];
  } catch {
    return [];
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localMinutes(zone: string, at: Date): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  const parts = f.formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  const minute = Number(parts.find((p) => p.type === 'minute')!.value);
  return hour * 60 + minute;
}

/** Minutes until the quiet window ends, 0 when `local` is outside it. */
function quietMinutesLeft(local: number, from: number, to: number): number {
  const inside = from <= to ? local >= from && local < to : local >= from || local < to;
  if (!inside) return 0;
  return (to - local + 1440) % 1440 || 1440;
}

/**
 * The earliest moment at or after `now` when the recipient may be sent to: `now` outside the
 * quiet window, else when it opens. Rule for a country with several time zones (US, RU, BR…):
 * the window must be open in every zone of the country, since the number does not tell
 * which zone the subscriber is in. A country unknown to ICU (non-geographic numbers) is
 * read as UTC. Null when no moment in the next 48 hours qualifies (the zones' open windows
 * do not overlap).
 */
export function nextSendTime(quiet: QuietHours | null | undefined, country: string | null | undefined, now: Date): Date | null {
  if (!quiet) return now;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === to) return now;
  const zones = countryTimeZones(country);
  if (zones.length === 0) zones.push('UTC');
  let at = now;
  for (let i = 0; i < 64; i += 1) {
    const wait = Math.max(...zones.map((z) => quietMinutesLeft(localMinutes(z, at), from, to)));
    if (wait === 0) return at;
    // To the start of the minute the window opens in (seconds dropped), then check every zone again.
    at = new Date(Math.floor(at.getTime() / 60_000) * 60_000 + wait * 60_000);
    if (at.getTime() - now.getTime() > 48 * 3_600_000) return null;
  }
  return null;
}
