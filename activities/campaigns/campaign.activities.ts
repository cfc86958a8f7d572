// Activities of runCampaign: prepare a page of recipients (opt-out and consent checks, quiet
// hours in each recipient's local time, validity, locale template and personalization, sender
// choice, checked by the sender rule of every door) and hand its messages to the delivery engine's paged path in one transaction; move
// the campaign's status; cancel what has not started; count what is still in flight.
import { randomUUID } from 'node:crypto';
import type { CampaignPageResult, CampaignStatus } from '@app/contracts';
import { AccountSenders, AudienceCompliance, CampaignRecord, CampaignRepository, RecipientDecision, WaitingRecipient } from '@app/db';
import { analyzeText, campaignText, nextSendTime, normalizeE164, normalizeSender, personalize, poolCandidate, senderRefusal, templateFor } from '@app/domain';

export interface CampaignActivityDeps {
  campaigns: CampaignRepository;
  compliance: AudienceCompliance;
  /** What the account may send from, read once per page, and its pools' sticky numbers (SenderRepository). */
  senders: {
    held(accountId: string): Promise<AccountSenders>;
    stickyNumbers(poolId: string, wanted: { subscriber: string; candidate: string }[]): Promise<Map<string, string>>;
  };
  /** See MAX_CAMPAIGN_BACKLOG. */
  maxBacklog?: number;
  /** The clock (tests move it). */
  now?: () => Date;
}

const MAX_BODY_LENGTH = 1600;
/**
 * A page is not prepared while this many of the campaign's messages still wait for a page of the
 * delivery engine (four engine pages): the campaign goes as fast as delivery takes it, and other
 * customers' bulk messages, queued behind at most this many, are not held up for its whole run.
 */
export const MAX_CAMPAIGN_BACKLOG = 2000;

/** The sender for a recipient: the campaign's `from`, else the pool's number of the recipient's country, else one chosen by recipient. */
export function senderFor(campaign: Pick<CampaignRecord, 'from' | 'senderPool'>, recipient: Pick<WaitingRecipient, 'id' | 'country'>): string {
  if (campaign.from) return campaign.from;
  const pool = campaign.senderPool ?? [];
  const sameCountry = pool.find((s) => {
    try {
      return s.startsWith('+') && normalizeE164(s).country === recipient.country;
    } catch {
      return false;
    }
  });
  return sameCountry ?? pool[Number(BigInt(recipient.id) % BigInt(pool.length))];
}

export function createCampaignActivities({ campaigns, compliance, senders, maxBacklog = MAX_CAMPAIGN_BACKLOG, now = () => new Date() }: CampaignActivityDeps) {
  async function decide(campaign: CampaignRecord, recipients: WaitingRecipient[]): Promise<RecipientDecision[]> {
    const [checks, held] = await Promise.all([
      compliance.check(
        campaign.accountId,
        campaign.category,
        recipients.map((r) => r.phone),
      ),
      senders.held(campaign.accountId),
    ]);
    const pooled = campaign.senderPoolName ? await poolNumbers(campaign.senderPoolName, held, recipients) : null;
    const at = now();
    // Every recipient of a country has the same window at the same moment: computed once per country per page.
    const sendTimes = new Map<string | null, Date | null>();
    const sendTimeOf = (country: string | null) => {
      if (!sendTimes.has(country)) sendTimes.set(country, nextSendTime(campaign.quietHours, country, at));
      return sendTimes.get(country) ?? null;
    };
    const deadline = campaign.validitySeconds && campaign.startedAt ? new Date(campaign.startedAt.getTime() + campaign.validitySeconds * 1000) : null;
    return recipients.map((r): RecipientDecision => {
      const check = checks.get(r.phone) ?? { optedOut: false, consent: campaign.category !== 'marketing', evidence: { optOutEventId: null, consentEventId: null } };
      const evidence = { ...check.evidence, checkedAt: at.toISOString() };
      if (check.optedOut) return { recipientId: r.id, state: 'opted_out', detail: evidence };
      if (!check.consent) return { recipientId: r.id, state: 'no_consent', detail: evidence };
      const sendAt = sendTimeOf(r.country);
      if (!sendAt || (deadline && sendAt > deadline)) {
        return { recipientId: r.id, state: 'expired', detail: { ...evidence, reason: sendAt ? 'the quiet window opens after the campaign validity' : 'no time outside the quiet hours in every time zone of the country' } };
      }
      if (sendAt > at) return { recipientId: r.id, state: 'deferred', notBefore: sendAt, detail: { ...evidence, quietUntil: sendAt.toISOString() } };
      const template = templateFor(campaign.message, r.locale);
      const filled = personalize(template.text, r.variables ?? {});
      if (filled.missing.length > 0) return { recipientId: r.id, state: 'invalid', detail: { ...evidence, reason: `no value for {{${filled.missing.join('}}, {{')}}}` } };
      const body = campaignText(campaign, filled.text);
      if (body.length === 0 || body.length > MAX_BODY_LENGTH || body.includes('\u0000')) {
        return { recipientId: r.id, state: 'invalid', detail: { ...evidence, reason: `the personalized text has ${body.length} characters (1 to ${MAX_BODY_LENGTH}, no NUL)` } };
      }
      // The rule REST and SMPP sends obey: held now (it may have been revoked since the campaign was made), registered where the country requires it.
      const from = pooled ? pooled.get(r.phone) : senderFor(campaign, r);
      if (!from) return { recipientId: r.id, state: 'invalid', detail: { ...evidence, reason: `sender_pool_no_number: sender pool ${campaign.senderPoolName} has no number that may send to ${r.country ?? 'this number'}` } };
      const refusal = senderRefusal(held, normalizeSender(from), r.country ?? undefined);
      if (refusal) return { recipientId: r.id, state: 'invalid', detail: { ...evidence, reason: `${refusal.code}: ${refusal.message}` } };
      const { encoding, segments } = analyzeText(body);
      return {
        recipientId: r.id,
        state: 'sent',
        message: { id: randomUUID(), to: r.phone, from, body, encoding, segments, country: r.country },
        detail: { ...evidence, template: template.locale },
      };
    });
  }

  /** The number of the named pool each recipient gets: the one it got before, else one chosen for it (sticky, one statement per page). */
  async function poolNumbers(name: string, held: AccountSenders, recipients: WaitingRecipient[]): Promise<Map<string, string>> {
    const pool = held.pools.get(name);
    if (!pool) return new Map();
    const wanted = recipients.flatMap((r) => {
      const candidate = poolCandidate(held, pool.numbers, r.phone, r.country ?? undefined);
      return candidate ? [{ subscriber: r.phone, candidate }] : [];
    });
    return senders.stickyNumbers(pool.id, wanted);
  }

  return {
    async prepareCampaignPage({ campaignId, limit }: { campaignId: string; limit: number }): Promise<CampaignPageResult> {
      const page = await campaigns.preparePage(campaignId, limit, decide, maxBacklog);
      return { ...page, nextDeferredAt: page.nextDeferredAt?.toISOString() ?? null };
    },

    /** Moves the campaign's status (no-op when it is no longer in one of `from`). */
    async setCampaignStatus({ campaignId, from, to }: { campaignId: string; from: CampaignStatus[]; to: CampaignStatus }): Promise<boolean> {
      return campaigns.transition(campaignId, from, to);
    },

    /** Cancels waiting recipients and the messages no page has taken, then marks the campaign cancelled. */
    async cancelCampaign({ campaignId }: { campaignId: string }): Promise<{ cancelledMessages: number }> {
      const cancelledMessages = await campaigns.cancelWaiting(campaignId);
      await campaigns.transition(campaignId, ['draft', 'scheduled', 'running', 'paused', 'sending'], 'cancelled');
      return { cancelledMessages };
    },

    async campaignInFlight({ campaignId }: { campaignId: string }): Promise<number> {
      return campaigns.inFlight(campaignId);
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
