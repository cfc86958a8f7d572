// The keyword step alone, its collaborators stubbed: which evidence it records (scope, source),
// which reply it sends and how (exempt or not, once per MO), and that a refused reply is
// recorded rather than retried.
import { RateLimitedError, UnavailableError } from '@app/contracts';
import type { ConversationRepository, InboundForKeywords, NewOptOutEvent } from '@app/db';
import { complianceSettings, type ComplianceSettingsInput } from '@app/domain';
import type { IntakeRequest } from '@app/messaging';
import { createConversationActivities } from './conversation.activities';

function setup(body: string, settings: ComplianceSettingsInput = {}, campaignId: string | null = null) {
  const recorded: NewOptOutEvent[] = [];
  const sent: IntakeRequest[] = [];
  const results: string[] = [];
  const mo: InboundForKeywords = { accountId: 'acc-1', subscriber: '+447400123456', ourNumber: '+14155550100', body, settings: complianceSettings(settings), campaignId };
  const deps = {
    conversations: { recordKeywordResult: async (_id: string, result: string) => void results.push(result) } as unknown as ConversationRepository,
    compliance: {
      inboundForKeywords: async () => mo,
      recordOptOut: async (e: NewOptOutEvent) => {
        recorded.push(e);
        return '17';
      },
    },
    autoReplies: { list: async () => [{ id: 'rule-1', keyword: 'hours', match: 'prefix' as const, locale: null, reply: 'Open 9-17', createdAt: new Date(), updatedAt: new Date() }] },
    intake: {
      accept: async (r: IntakeRequest) => {
        sent.push(r);
        return { id: 'reply-1', status: 'accepted' as const, segments: 1, encoding: 'GSM-7' as const };
      },
    },
  };
  return { deps, recorded, sent, results, activities: createConversationActivities(deps) };
}

it('STOP records an account-wide opt-out from the MO and sends the confirmation from our number, exempt, keyed by the MO', async () => {
  const { activities, recorded, sent, results } = setup('Stop');
  expect(await activities.applyKeywordRules({ inboundId: 'mo-1', accountId: 'acc-1' })).toEqual({ matched: 'opt_out', optOutEventId: '17', replyMessageId: 'reply-1' });
  expect(recorded).toEqual([expect.objectContaining({ accountId: 'acc-1', phone: '+447400123456', optedOut: true, sender: null, source: 'keyword', keyword: 'STOP', inboundMessageId: 'mo-1' })]);
  expect(sent).toEqual([expect.objectContaining({ from: '+14155550100', to: '+447400123456', idempotencyKey: 'keyword-reply:mo-1', optOutExempt: 'keyword_confirmation' })]);
  expect(results).toEqual(['opt_out']);
});

it('with per-sender scope STOP opts out of our number only, STOPALL of the account; a keyword answering a campaign is a campaign reply', async () => {
  const perSender = setup('stop', { optOutScope: 'sender' }, 'camp-1');
  await perSender.activities.applyKeywordRules({ inboundId: 'mo-2', accountId: 'acc-1' });
  expect(perSender.recorded[0]).toMatchObject({ sender: '+14155550100', source: 'campaign_reply', campaignId: 'camp-1' });
  const all = setup('STOPALL', { optOutScope: 'sender' });
  await all.activities.applyKeywordRules({ inboundId: 'mo-3', accountId: 'acc-1' });
  expect(all.recorded[0]).toMatchObject({ sender: null, optedOut: true, keyword: 'STOPALL' });
});

it('START opts in, HELP only replies, an auto-reply rule replies without the exemption, other text does nothing', async () => {
  const start = setup('yes');
  expect((await start.activities.applyKeywordRules({ inboundId: 'mo-4', accountId: 'acc-1' })).matched).toBe('opt_in');
  expect(start.recorded[0].optedOut).toBe(false);
  const help = setup('INFO', { helpText: 'Call us' });
  expect(await help.activities.applyKeywordRules({ inboundId: 'mo-5', accountId: 'acc-1' })).toEqual({ matched: 'help', replyMessageId: 'reply-1' });
  expect(help.recorded).toEqual([]);
  expect(help.sent[0].body).toBe('Call us');
  const auto = setup('Hours on Sunday?');
  expect(await auto.activities.applyKeywordRules({ inboundId: 'mo-6', accountId: 'acc-1' })).toEqual({ matched: 'auto_reply', ruleId: 'rule-1', replyMessageId: 'reply-1' });
  expect(auto.sent[0]).not.toHaveProperty('optOutExempt');
  const none = setup('see you tomorrow');
  expect(await none.activities.applyKeywordRules({ inboundId: 'mo-7', accountId: 'acc-1' })).toEqual({ matched: 'no_rule' });
  expect(none.sent).toEqual([]);
});

it('records a reply the intake refuses (a limit) instead of retrying; PostgreSQL unavailable is retried', async () => {
  const limited = setup('STOP');
  limited.deps.intake.accept = async () => {
    throw new RateLimitedError('daily_quota_exceeded', 'over the quota', 60);
  };
  expect(await limited.activities.applyKeywordRules({ inboundId: 'mo-8', accountId: 'acc-1' })).toEqual({ matched: 'opt_out', optOutEventId: '17', replyRefused: 'daily_quota_exceeded' });
  const down = setup('STOP');
  down.deps.intake.accept = async () => {
    throw new UnavailableError('database_unavailable', 'later');
  };
  await expect(down.activities.applyKeywordRules({ inboundId: 'mo-9', accountId: 'acc-1' })).rejects.toThrow('later');
});
