// Verify for the REST API: fraud rules and velocity before anything is written, the row and its
// verifyPhone workflow, and checks, resends and cancels as Updates to that workflow. A check
// sends the workflow a keyed digest of the typed code, never the code.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure, Client, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApiConfig } from '@app/config';
import {
  cancelVerificationUpdate,
  checkCodeUpdate,
  CheckStatus,
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  resendCodeUpdate,
  UnavailableError,
  VerificationRefusals,
  VerificationStatus,
  verificationWorkflowId,
} from '@app/contracts';
import type { AuthenticatedKey, LimitsPool, VerificationRow } from '@app/db';
import { UsageCounterRepository, VerificationRepository } from '@app/db';
import {
  CONVERSION_WINDOW_MS,
  conversionRefusal,
  destinationRefusal,
  normalizeE164,
  normalizeSender,
  templateProblem,
  usageRefusal,
  verificationCounters,
  verifyCountryRefusal,
  verifyPrefix,
  VerifySettings,
} from '@app/domain';
import { SenderRules, VerificationCodes } from '@app/messaging';
import { startVerifyPhone } from '@app/temporal';
import { API_CONFIG, LIMITS_POOL, TEMPORAL_CLIENT } from '../tokens';
import { CheckResultView, ResendVerificationDto, StartVerificationDto, VerificationView } from './dto/verification.dto';
import { UpdateVerifySettingsDto, VerifySettingsView } from './dto/verify-settings.dto';

/** What a check answers for a verification that can no longer be checked. */
const CLOSED_ANSWER: Record<VerificationStatus, CheckStatus> = { pending: 'pending', approved: 'denied', cancelled: 'denied', expired: 'expired', max_attempts: 'max_attempts' };

@Injectable()
export class VerificationsService {
  private readonly counters: UsageCounterRepository;
  private readonly codes: VerificationCodes;

  constructor(
    private readonly verifications: VerificationRepository,
    @Inject(LIMITS_POOL) pool: LimitsPool,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly senders: SenderRules,
  ) {
    this.counters = new UsageCounterRepository(pool);
    this.codes = new VerificationCodes(config.secretsKey);
  }

  async start(auth: Pick<AuthenticatedKey, 'accountId' | 'limits'>, dto: StartVerificationDto): Promise<VerificationView> {
    const { accountId } = auth;
    const number = normalizeE164(dto.to, 'to');
    const settings = await this.verifications.settings(accountId);
    const refused = destinationRefusal(auth.limits, number) ?? verifyCountryRefusal(settings, number);
    if (refused) throw refused;
    if (dto.template !== undefined) {
      const problem = templateProblem(dto.template);
      if (problem) throw problem;
    }
    // Verification texts skip the intake, not its sender rule: the account must hold its verify sender.
    await this.senders.resolve(accountId, { from: settings.sender }, number).catch((err: unknown) => {
      if (!(err instanceof DomainError)) throw err;
      throw new ForbiddenError(
        'verify_sender_not_held',
        `The verify sender ${JSON.stringify(settings.sender)} cannot be used for this destination (${err.message}): ask an operator to grant it, or choose another with PATCH /v1/verify/settings`,
        'sender',
      );
    });
    const prefix = verifyPrefix(number.e164);
    const guard = conversionRefusal(settings, prefix, await this.verifications.recentConversion(accountId, prefix, CONVERSION_WINDOW_MS));
    if (guard) throw guard;
    // Counted in PostgreSQL (every replica shares them); a refused start counts too.
    const now = Date.now();
    const counters = verificationCounters(accountId, number.e164, settings, now);
    const totals = await this.counters.add(counters.map((c) => ({ key: c.key, by: 1, expiresAt: c.resetsAt })));
    const over = usageRefusal(counters, counters.map((c) => totals.get(c.key) ?? 0), now);
    if (over) throw over;

    const id = randomUUID();
    const expiresAt = new Date(now + settings.expiryMinutes * 60_000);
    await this.verifications.create({
      id,
      accountId,
      to: number.e164,
      prefix,
      country: number.country ?? null,
      channel: dto.channel,
      locale: dto.locale ?? settings.defaultLocale,
      codeLength: dto.codeLength ?? settings.codeLength,
      template: dto.template ?? null,
      codeSalt: VerificationCodes.newSalt(),
      expiresAt,
    });
    try {
      await startVerifyPhone(this.temporal, this.config.temporal.taskQueue, {
        verificationId: id,
        accountId,
        channel: dto.channel,
        expiresAt: expiresAt.toISOString(),
        policy: { maxChecks: settings.maxChecks, maxSends: settings.maxSends, resendCooldownMs: settings.resendCooldownSeconds * 1000, keepCodeOnResend: settings.keepCodeOnResend },
      });
    } catch {
      await this.verifications.remove(id).catch(() => undefined);
      throw new UnavailableError('temporal_unavailable', 'The verification could not be started. Retry later.');
    }
    return this.view((await this.verifications.findById(id))!);
  }

  async check(accountId: string, id: string, code: string): Promise<CheckResultView> {
    const v = await this.find(accountId, id);
    if (v.status !== 'pending') return { id, status: CLOSED_ANSWER[v.status] };
    const digest = this.codes.digest(v.codeSalt, code);
    try {
      const result = await this.temporal.workflow.getHandle(verificationWorkflowId(id)).executeUpdate(checkCodeUpdate, { args: [{ digest }] });
      return { id, status: result.status };
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal?.type === VerificationRefusals.expired) return { id, status: 'expired' };
      if (refusal?.type === VerificationRefusals.maxAttempts) return { id, status: 'max_attempts' };
      if (refusal?.type === VerificationRefusals.closed) return { id, status: CLOSED_ANSWER[(refusal.details?.[0] as VerificationStatus) ?? 'cancelled'] ?? 'denied' };
      return { id, status: await this.afterWorkflow(id, err) };
    }
  }

  async resend(accountId: string, id: string, dto: ResendVerificationDto): Promise<VerificationView> {
    const v = await this.find(accountId, id);
    if (v.status !== 'pending') throw new ConflictError('verification_closed', `The verification is ${v.status}`);
    try {
      await this.temporal.workflow.getHandle(verificationWorkflowId(id)).executeUpdate(resendCodeUpdate, { args: [{ ...(dto.channel ? { channel: dto.channel } : {}) }] });
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal?.type === VerificationRefusals.cooldown) {
        throw new RateLimitedError('verify_resend_cooldown', refusal.message, Math.max(1, Math.ceil(Number(refusal.details?.[0] ?? 1000) / 1000)));
      }
      if (refusal?.type === VerificationRefusals.maxSends) throw new ConflictError('verify_max_sends', refusal.message);
      if (refusal) throw new ConflictError('verification_closed', refusal.message);
      await this.afterWorkflow(id, err);
      throw new ConflictError('verification_closed', 'The verification has ended');
    }
    return this.view((await this.verifications.findById(id))!);
  }

  async cancel(accountId: string, id: string): Promise<VerificationView> {
    const v = await this.find(accountId, id);
    if (v.status !== 'pending') return this.view(v);
    let status: VerificationStatus;
    try {
      ({ status } = await this.temporal.workflow.getHandle(verificationWorkflowId(id)).executeUpdate(cancelVerificationUpdate));
    } catch (err) {
      await this.afterWorkflow(id, err);
      status = (await this.verifications.findById(id))!.status;
    }
    // The workflow records the end a moment later: answer with the status it decided.
    return { ...this.view((await this.verifications.findById(id))!), status };
  }

  async get(accountId: string, id: string): Promise<VerificationView> {
    return this.view(await this.find(accountId, id));
  }

  async settings(accountId: string): Promise<VerifySettingsView> {
    return this.verifications.settings(accountId);
  }

  async updateSettings(accountId: string, dto: UpdateVerifySettingsDto): Promise<VerifySettingsView> {
    if (typeof dto.sender === 'string') normalizeSender(dto.sender, 'sender');
    if (typeof dto.template === 'string') {
      const problem = templateProblem(dto.template);
      if (problem) throw problem;
    }
    return this.verifications.updateSettings(accountId, dto as Partial<Record<keyof VerifySettings, unknown>>);
  }

  private async find(accountId: string, id: string): Promise<VerificationRow> {
    const v = await this.verifications.findForAccount(accountId, id);
    if (!v) throw new NotFoundError('verification_not_found', `No verification ${id} in this account`);
    return v;
  }

  /** The workflow did not take the update (it has ended, or Temporal is away): the row decides. */
  private async afterWorkflow(id: string, err: unknown): Promise<CheckStatus> {
    const v = await this.verifications.findById(id);
    if (v && v.status !== 'pending') return CLOSED_ANSWER[v.status];
    if (v && v.expiresAt.getTime() <= Date.now()) return 'expired';
    throw new UnavailableError('temporal_unavailable', `The verification could not be reached (${(err as Error).name}). Retry later.`);
  }

  private view(v: VerificationRow): VerificationView {
    return {
      id: v.id,
      to: v.to,
      channel: v.channel,
      status: v.status,
      expiresAt: v.expiresAt.toISOString(),
      checks: v.checks,
      sends: v.sends,
      messageIds: v.messageIds,
      carrierId: v.carrierId,
      workflowId: verificationWorkflowId(v.id),
      createdAt: v.createdAt.toISOString(),
      updatedAt: v.updatedAt.toISOString(),
    };
  }
}

/** A validator's refusal, as the client reports it. */
function refusalOf(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  return err.cause instanceof ApplicationFailure ? err.cause : undefined;
}
