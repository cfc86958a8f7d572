// The account's webhook settings: the inbound webhook URL (checked against the egress policy
// when set, and again at each call) and the signing secrets (created with the first URL, or by
// a rotation; shown once), and the health of the endpoints webhooks went to.
import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@app/contracts';
import { EndpointHealth, WebhookLogRepository, WebhookSecretRepository, WebhookSettings } from '@app/db';
import { EgressPolicy } from '@app/egress';
import { DEFAULT_OVERLAP_SECONDS, ENDPOINTS_SHOWN, RotatedSecretView, RotateSecretDto, UpdateWebhooksDto, WebhooksView } from './dto/webhooks.dto';

const iso = (d: Date | null) => d?.toISOString() ?? null;

const view = (settings: WebhookSettings, endpoints: EndpointHealth[], secret?: string): WebhooksView => ({
  inboundUrl: settings.inboundWebhookUrl,
  ...(secret ? { secret } : {}),
  secrets: settings.secrets.map((s) => ({ id: s.id, createdAt: s.createdAt.toISOString(), expiresAt: s.expiresAt?.toISOString() ?? null })),
  endpoints: endpoints.map((e) => ({
    ...e,
    lastSuccessAt: iso(e.lastSuccessAt),
    lastFailureAt: iso(e.lastFailureAt),
    failingSince: iso(e.failingSince),
    unhealthySince: iso(e.unhealthySince),
  })),
});

@Injectable()
export class WebhooksService {
  constructor(
    private readonly secrets: WebhookSecretRepository,
    private readonly log: WebhookLogRepository,
    private readonly egress: EgressPolicy,
  ) {}

  async get(accountId: string): Promise<WebhooksView> {
    return view(await this.settings(accountId), await this.log.endpoints(accountId, ENDPOINTS_SHOWN));
  }

  async update(accountId: string, dto: UpdateWebhooksDto): Promise<WebhooksView> {
    if (dto.inboundUrl !== null) {
      if (dto.inboundUrl.includes('\u0000')) throw new ValidationError('invalid_field', 'inboundUrl is not a URL', 'inboundUrl');
      const checked = await this.egress.check(dto.inboundUrl);
      if (!checked.ok) throw new ValidationError('invalid_field', `inboundUrl ${checked.reason}`, 'inboundUrl');
    }
    const { secret } = await this.secrets.setInboundWebhookUrl(accountId, dto.inboundUrl);
    return view(await this.settings(accountId), await this.log.endpoints(accountId, ENDPOINTS_SHOWN), secret ?? undefined);
  }

  async rotate(accountId: string, dto: RotateSecretDto): Promise<RotatedSecretView> {
    const { secret, previousExpiresAt } = await this.secrets.rotate(accountId, dto.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS);
    return { secret, previousExpiresAt: previousExpiresAt?.toISOString() ?? null };
  }

  private async settings(accountId: string): Promise<WebhookSettings> {
    const settings = await this.secrets.settings(accountId);
    if (!settings) throw new NotFoundError('account_not_found', 'The account of this API key no longer exists');
    return settings;
  }
}
