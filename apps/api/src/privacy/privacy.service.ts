// Retention settings, data-subject export and erasure for an account (its own key, or an
// operator naming it). An erasure is recorded (tombstone, pending) and its workflow started;
// if Temporal cannot be reached the request is withdrawn and nothing is erased.
import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { ApiConfig } from '@app/config';
import { NotFoundError, UnavailableError, ValidationError } from '@app/contracts';
import { DataSubjectRepository, ErasureRecord, RetentionRepository, SubjectExport } from '@app/db';
import { normalizeE164 } from '@app/domain';
import { startEraseSubject } from '@app/temporal';
import { UUID } from '../common/uuid-param';
import { API_CONFIG, TEMPORAL_CLIENT } from '../tokens';
import { DataSubjectDto, ErasureView, RetentionSettingsView, UpdateRetentionDto } from './dto/privacy.dto';

const accountNotFound = (accountId: string) => new NotFoundError('account_not_found', `No account ${accountId}`);

export const erasureView = (e: ErasureRecord): ErasureView => ({
  id: e.id,
  accountId: e.accountId,
  status: e.status,
  requestedAt: e.requestedAt.toISOString(),
  completedAt: e.completedAt?.toISOString() ?? null,
});

@Injectable()
export class PrivacyService {
  constructor(
    private readonly retention: RetentionRepository,
    private readonly subjects: DataSubjectRepository,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async settings(accountId: string): Promise<RetentionSettingsView> {
    const settings = UUID.test(accountId) ? await this.retention.settings(accountId) : null;
    if (!settings) throw accountNotFound(accountId);
    return settings;
  }

  async updateSettings(accountId: string, dto: UpdateRetentionDto): Promise<RetentionSettingsView> {
    const current = await this.settings(accountId);
    const next = { bodyRetentionDays: dto.bodyRetentionDays ?? current.bodyRetentionDays, metadataRetentionDays: dto.metadataRetentionDays ?? current.metadataRetentionDays };
    if (next.bodyRetentionDays > next.metadataRetentionDays) {
      const field = dto.bodyRetentionDays !== undefined ? 'bodyRetentionDays' : 'metadataRetentionDays';
      throw new ValidationError('invalid_retention', `bodyRetentionDays (${next.bodyRetentionDays}) cannot exceed metadataRetentionDays (${next.metadataRetentionDays}): bodies go with their messages`, field);
    }
    if (!(await this.retention.update(accountId, dto))) throw accountNotFound(accountId);
    return this.settings(accountId);
  }

  async export(accountId: string, dto: DataSubjectDto): Promise<SubjectExport> {
    await this.settings(accountId);
    return this.subjects.export(accountId, normalizeE164(dto.phone, 'phone').e164);
  }

  async erase(accountId: string, dto: DataSubjectDto, requestedBy: string | null): Promise<ErasureView> {
    const phone = normalizeE164(dto.phone, 'phone').e164;
    await this.settings(accountId);
    const erasure = await this.subjects.requestErasure(accountId, phone, requestedBy);
    try {
      await startEraseSubject(this.temporal, this.config.temporal.taskQueue, { erasureId: erasure.id });
    } catch {
      await this.subjects.withdrawErasure(erasure.id);
      throw new UnavailableError('temporal_unavailable', 'The erasure could not be started (Temporal unreachable); nothing was erased. Retry later.');
    }
    return erasureView(erasure);
  }

  async erasure(accountId: string, id: string): Promise<ErasureView> {
    const erasure = UUID.test(id) && UUID.test(accountId) ? await this.subjects.erasure(accountId, id) : null;
    if (!erasure) throw new NotFoundError('erasure_not_found', `No erasure ${id} in this account`);
    return erasureView(erasure);
  }
}
