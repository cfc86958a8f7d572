// Campaigns: the runCampaign workflow's input, signals, query and id, shared by the API (which
// starts and signals it), the worker and the tests. Types only from Temporal: no runtime import.
import type { QueryDefinition, SignalDefinition } from '@temporalio/common';

export const RUN_CAMPAIGN_WORKFLOW = 'runCampaign';

/** Derived from the campaign, so starting a campaign twice starts one workflow. */
export const campaignWorkflowId = (campaignId: string): string => `campaign-${campaignId}`;

export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'sending' | 'completed' | 'cancelled';
export type CampaignCategory = 'marketing' | 'transactional';

/** What became of one recipient when its page was prepared (campaign_recipients.state). */
export type RecipientState = 'pending' | 'deferred' | 'sent' | 'opted_out' | 'no_consent' | 'expired' | 'invalid' | 'cancelled';

/** Counters the workflow carries across continue-as-new (the exact figures live in PostgreSQL). */
export interface CampaignRunCounters {
  pages: number;
  /** Recipients whose page was prepared (sent, skipped or deferred). */
  processed: number;
  /** Messages handed to the delivery engine. */
  sent: number;
  /** Recipients skipped by the opt-out or consent check. */
  skipped: number;
  /** Recipients held by their quiet hours at least once. */
  deferred: number;
  /** Continue-as-new runs so far. */
  runs: number;
}

export interface RunCampaignInput {
  campaignId: string;
  accountId: string;
  /** Messages per second handed to the delivery engine (null: as fast as pages go). */
  throttleMps: number | null;
  /** ISO time before which nothing is sent (schedule.startAt). */
  startAt?: string | null;
  paused?: boolean;
  counters?: CampaignRunCounters;
  /** Recipients per page (default 500). */
  pageSize?: number;
  /** Pages per run before continue-as-new (default 100). */
  pagesPerRun?: number;
  /** How often a campaign whose messages are all handed over checks for their final statuses (default 10 s). */
  outcomePollMs?: number;
}

export interface RunCampaignResult {
  status: 'completed' | 'cancelled';
  counters: CampaignRunCounters;
}

/** What one page activity did. */
export interface CampaignPageResult {
  /** Recipients taken from the audience by this page. */
  processed: number;
  sent: number;
  skipped: number;
  deferred: number;
  /** Recipients still waiting (pending, or deferred whose window has not opened). */
  remaining: number;
  /** When the earliest deferred recipient's quiet window opens (ISO), if any waits. */
  nextDeferredAt: string | null;
  /** Nothing taken: enough of the campaign's messages still wait for a page (look again shortly). */
  backlogged?: boolean;
  /** The campaign's status in PostgreSQL as the page saw it: a cancel written there ends the workflow even if its signal was lost. */
  status?: CampaignStatus | null;
}

export interface CampaignProgress {
  status: 'scheduled' | 'running' | 'paused' | 'sending' | 'cancelling' | 'completed' | 'cancelled';
  throttleMps: number | null;
  counters: CampaignRunCounters;
}

export const pauseCampaignSignal = { type: 'signal', name: 'pauseCampaign' } as SignalDefinition<[], 'pauseCampaign'>;
export const resumeCampaignSignal = { type: 'signal', name: 'resumeCampaign' } as SignalDefinition<[], 'resumeCampaign'>;
export const cancelCampaignSignal = { type: 'signal', name: 'cancelCampaign' } as SignalDefinition<[], 'cancelCampaign'>;
export const setCampaignThrottleSignal = { type: 'signal', name: 'setCampaignThrottle' } as SignalDefinition<[{ mps: number | null }], 'setCampaignThrottle'>;
export const campaignProgressQuery = { type: 'query', name: 'campaignProgress' } as QueryDefinition<CampaignProgress, [], 'campaignProgress'>;
