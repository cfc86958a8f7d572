// Keyword rules of inbound messages (two-way messaging): the compliance keywords (opt-out,
// opt-in, help) with their confirmations, per locale, and the account's auto-reply rules.
// Pure: the conversation workflow's keyword step reads the account's settings and rules from
// PostgreSQL and decides with these. Matching is on the whole message, trimmed, case- and
// accent-insensitive (README, "Opt-out, consent and keywords").
import type { MessagePriority } from '@app/contracts';

export type KeywordAction = 'opt_out' | 'opt_out_all' | 'opt_in' | 'help';
export type OptOutScope = 'account' | 'sender';

/** One locale's keywords and confirmations; an account's own entries add to (keywords) or replace (replies) the shipped ones. */
export interface LocaleKeywords {
  optOut?: string[];
  /** Opt-out keywords that always apply to the whole account, whatever the scope setting (STOPALL). */
  optOutAll?: string[];
  optIn?: string[];
  help?: string[];
  replies?: { optOut?: string; optIn?: string; help?: string };
}

/** accounts.compliance_settings as stored (every field optional: the defaults below fill in). */
export interface ComplianceSettingsInput {
  optOutScope?: OptOutScope;
  exemptCategories?: MessagePriority[];
  helpText?: string;
  locales?: string[];
  keywords?: Record<string, LocaleKeywords>;
}

export interface ComplianceSettings {
  /** 'account' (default): STOP opts out of every sender of the account; 'sender': of the number it was sent to. */
  optOutScope: OptOutScope;
  /** Message categories (priority) sent to opted-out subscribers anyway, the exemption recorded. */
  exemptCategories: MessagePriority[];
  helpText: string;
  /** Locales whose keywords apply, in order: the first locale that knows a keyword gives the confirmation. */
  locales: string[];
  keywords: Record<string, LocaleKeywords>;
}

export const DEFAULT_HELP_TEXT = 'Reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.';

/** Shipped locales: English (the CTIA/industry keywords) and Croatian, the example of a localized set. */
export const SHIPPED_KEYWORDS: Record<string, LocaleKeywords> = {
  en: {
    optOut: ['STOP', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'],
    optOutAll: ['STOPALL'],
    optIn: ['START', 'UNSTOP', 'YES'],
    help: ['HELP', 'INFO'],
    replies: {
      optOut: 'You have been unsubscribed and will receive no more messages. Reply START to resubscribe.',
      optIn: 'You have been resubscribed. Reply STOP to unsubscribe.',
    },
  },
  hr: {
    optOut: ['STOP', 'ODJAVA'],
    optIn: ['START', 'PRIJAVA'],
    help: ['POMOĆ', 'INFO'],
    replies: {
      optOut: 'Odjavljeni ste i više nećete primati poruke. Za ponovnu prijavu pošaljite PRIJAVA.',
      optIn: 'Ponovno ste prijavljeni. Za odjavu pošaljite ODJAVA.',
      help: 'Za odjavu pošaljite ODJAVA, za prijavu PRIJAVA.',
    },
  },
};

export const DEFAULT_COMPLIANCE: ComplianceSettings = {
  optOutScope: 'account',
  // An OTP the subscriber just asked for is sent even after STOP (the exemption is recorded).
  exemptCategories: ['otp'],
  helpText: DEFAULT_HELP_TEXT,
  locales: ['en', 'hr'],
  keywords: {},
};

export function complianceSettings(stored: ComplianceSettingsInput | null | undefined): ComplianceSettings {
  return {
    optOutScope: stored?.optOutScope ?? DEFAULT_COMPLIANCE.optOutScope,
    exemptCategories: stored?.exemptCategories ?? DEFAULT_COMPLIANCE.exemptCategories,
    helpText: stored?.helpText ?? DEFAULT_COMPLIANCE.helpText,
    locales: stored?.locales ?? DEFAULT_COMPLIANCE.locales,
    keywords: stored?.keywords ?? {},
  };
}

/**
 * The form keywords are compared in: trimmed, inner whitespace collapsed, trailing punctuation
 * dropped, accents removed (NFD without combining marks; đ/Đ and ł/Ł have no decomposition), upper case.
 */
export function normalizeKeyword(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .replace(/[łŁ]/g, 'l')
    .toUpperCase()
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[.!?¡¿]+$/u, '')
    .trim();
}

export interface KeywordMatch {
  action: KeywordAction;
  locale: string;
  /** The keyword as configured (what the evidence records). */
  keyword: string;
  /** Opt-out/opt-in: whole account, or the sender (our number) the MO was sent to. */
  scope: OptOutScope;
  /** The confirmation to send back. */
  reply: string;
}

const ACTION_LISTS: [KeywordAction, keyof LocaleKeywords][] = [
  ['opt_out_all', 'optOutAll'],
  ['opt_out', 'optOut'],
  ['opt_in', 'optIn'],
  ['help', 'help'],
];

/** The compliance keyword an MO is, in the account's locale order; null if none. */
export function matchComplianceKeyword(text: string, settings: ComplianceSettings): KeywordMatch | null {
  const said = normalizeKeyword(text);
  if (said.length === 0) return null;
  for (const locale of settings.locales) {
    const shipped = SHIPPED_KEYWORDS[locale] ?? {};
    const own = settings.keywords[locale] ?? {};
    for (const [action, list] of ACTION_LISTS) {
      const words = [...((own[list] as string[] | undefined) ?? []), ...((shipped[list] as string[] | undefined) ?? [])];
      const keyword = words.find((w) => normalizeKeyword(w) === said);
      if (!keyword) continue;
      const replies = { ...SHIPPED_KEYWORDS.en.replies, ...shipped.replies, ...own.replies };
      const reply = action === 'help' ? helpReply(locale, own, shipped, settings) : action === 'opt_in' ? replies.optIn! : replies.optOut!;
      const scope: OptOutScope = action === 'opt_out_all' ? 'account' : settings.optOutScope;
      return { action, locale, keyword, scope, reply };
    }
  }
  return null;
}

/** The account's help text, unless the locale has its own; a shipped locale's help text only while the account kept the default. */
function helpReply(locale: string, own: LocaleKeywords, shipped: LocaleKeywords, settings: ComplianceSettings): string {
  if (own.replies?.help) return own.replies.help;
  if (locale !== 'en' && shipped.replies?.help && settings.helpText === DEFAULT_HELP_TEXT) return shipped.replies.help;
  return settings.helpText;
}

export interface AutoReplyRule {
  id: string;
  keyword: string;
  match: 'exact' | 'prefix';
  locale: string | null;
  reply: string;
}

/**
 * The auto-reply rule an MO triggers: an exact rule before a prefix rule, a longer keyword
 * before a shorter one, then a rule of an earlier account locale (rules without a locale last).
 * A prefix matches at a word boundary ("PRICE" matches "price list", not "prices").
 */
export function matchAutoReply<R extends AutoReplyRule>(text: string, rules: R[], locales: string[]): R | null {
  const said = normalizeKeyword(text);
  if (said.length === 0) return null;
  const rank = (r: R) => (r.locale === null ? locales.length : locales.indexOf(r.locale) === -1 ? locales.length + 1 : locales.indexOf(r.locale));
  const matching = rules.filter((r) => {
    const word = normalizeKeyword(r.keyword);
    if (word.length === 0) return false;
    return r.match === 'exact' ? said === word : said === word || said.startsWith(`${word} `);
  });
  matching.sort((a, b) => (a.match === b.match ? 0 : a.match === 'exact' ? -1 : 1) || normalizeKeyword(b.keyword).length - normalizeKeyword(a.keyword).length || rank(a) - rank(b));
  return matching[0] ?? null;
}
