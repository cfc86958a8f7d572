// /v1/verifications: one-time codes by SMS or voice call (README, "Verify"), and the account's
// verification settings.
import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { CheckResultView, CheckVerificationDto, ResendVerificationDto, StartVerificationDto, VerificationView } from './dto/verification.dto';
import { UpdateVerifySettingsDto, VerifySettingsView } from './dto/verify-settings.dto';
import { VerificationsService } from './verifications.service';

@ApiTags('verify')
@KeyScope('messages')
@Controller('v1/verifications')
export class VerificationsController {
  constructor(private readonly verifications: VerificationsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Send a one-time code',
    description:
      'Draws a code and sends it by SMS (otp routes: the next carrier when no receipt comes in time, then a voice call) or by a voice call. A pending verification of the same number is cancelled. The code is never returned.',
  })
  @ApiResponse({ status: 201, type: VerificationView })
  @ApiResponse({ status: 400, description: 'Invalid field (to, channel, locale, codeLength, template), unknown field or malformed JSON', type: ErrorBody })
  @ApiResponse({ status: 403, description: 'verify_country_not_allowed, destination_country_not_allowed or destination_number_type_refused (field to); verify_sender_not_held (field sender: the account does not hold its verify sender)', type: ErrorBody })
  @ApiResponse({ status: 415, description: 'Body is not JSON', type: ErrorBody })
  @ApiResponse({
    status: 429,
    description: 'rate_limited (requests), verify_velocity_number, verify_velocity_prefix, verify_velocity_account or verify_conversion_guard, with Retry-After; nothing stored',
    type: ErrorBody,
  })
  @ApiResponse({ status: 503, description: 'PostgreSQL or Temporal unreachable: nothing started (Retry-After)', type: ErrorBody })
  start(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: StartVerificationDto): Promise<VerificationView> {
    return this.verifications.start(auth, dto);
  }

  @Post(':id/check')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check a code', description: 'Compared in constant time with the stored digest. A code is single-use; after the last allowed check, or after expiry, checks are refused without counting.' })
  @ApiResponse({ status: 200, type: CheckResultView })
  @ApiResponse({ status: 400, description: 'code missing or not 4 to 10 digits; unknown field', type: ErrorBody })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 415, description: 'Body is not JSON', type: ErrorBody })
  @ApiResponse({ status: 503, description: 'Temporal unreachable (Retry-After)', type: ErrorBody })
  check(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string, @Body() dto: CheckVerificationDto): Promise<CheckResultView> {
    return this.verifications.check(auth.accountId, id, dto.code);
  }

  @Post(':id/resend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send the code again', description: "The same code or a new one (verify setting keepCodeOnResend), by the channel given or the last one." })
  @ApiResponse({ status: 200, type: VerificationView })
  @ApiResponse({ status: 400, description: 'Invalid channel; unknown field', type: ErrorBody })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'verification_closed (approved, expired, cancelled) or verify_max_sends', type: ErrorBody })
  @ApiResponse({ status: 415, description: 'Body is not JSON', type: ErrorBody })
  @ApiResponse({ status: 429, description: 'verify_resend_cooldown, with Retry-After', type: ErrorBody })
  @ApiResponse({ status: 503, description: 'Temporal unreachable (Retry-After)', type: ErrorBody })
  resend(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string, @Body() dto: ResendVerificationDto): Promise<VerificationView> {
    return this.verifications.resend(auth.accountId, id, dto ?? {});
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a pending verification', description: 'Its code stops working. A verification that has ended is returned as it is.' })
  @ApiResponse({ status: 200, type: VerificationView })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 503, description: 'Temporal unreachable (Retry-After)', type: ErrorBody })
  cancel(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<VerificationView> {
    return this.verifications.cancel(auth.accountId, id);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A verification: status, checks, sends and the messages that carried its code (never the code)' })
  @ApiResponse({ status: 200, type: VerificationView })
  @ApiResponse({ status: 404, type: ErrorBody })
  get(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<VerificationView> {
    return this.verifications.get(auth.accountId, id);
  }
}

@ApiTags('verify')
@KeyScope('messages')
@Controller('v1/verify/settings')
export class VerifySettingsController {
  constructor(private readonly verifications: VerificationsService) {}

  @Get()
  @ApiOperation({ summary: "This account's verification settings (texts, limits, fraud rules)" })
  @ApiResponse({ status: 200, type: VerifySettingsView })
  get(@CurrentAuth() auth: AuthenticatedKey): Promise<VerifySettingsView> {
    return this.verifications.settings(auth.accountId);
  }

  @Patch()
  @ApiOperation({ summary: 'Change verification settings', description: 'A field left out stays as it is; null returns it to the default.' })
  @ApiResponse({ status: 200, type: VerifySettingsView })
  @ApiResponse({ status: 400, description: 'Invalid field (named), unknown field or malformed JSON', type: ErrorBody })
  @ApiResponse({ status: 415, description: 'Body is not JSON', type: ErrorBody })
  update(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: UpdateVerifySettingsDto): Promise<VerifySettingsView> {
    return this.verifications.updateSettings(auth.accountId, dto);
  }
}
