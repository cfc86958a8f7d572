// /v1/operator-auth: operators sign in with a password and a TOTP code (or a single-use recovery
// code) for a short-lived operator token; enrolment shows the TOTP secret and recovery codes once
// and takes effect when a first code confirms it. Every failure is the same 401 (which of email,
// password or code was wrong is not said) and counts against the client address's failed
// authentications (429 after too many).
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import { ConflictError, UnauthorizedError } from '@app/contracts';
import { OperatorRepository } from '@app/db';
import { sourceAddress } from '@app/egress';
import { AccessTokens, OPERATOR_TOKEN_SECONDS } from '../auth/access-tokens';
import { Public } from '../auth/api-key.guard';
import { OPERATOR_SCOPES } from '../auth/credentials';
import { ErrorBody } from '../common/error-body';
import { RequestLimits } from '../limits/request-limits';
import { ConfirmEnrolmentDto, EnrolmentConfirmedView, EnrolmentView, OperatorCredentialsDto, OperatorSignInDto, OperatorTokenView } from './dto/operator.dto';

const ISSUER = 'SMS aggregator';
const RECOVERY_CODES = 10;
/** A code from the previous or next 30-second step is accepted too (clock drift). */
const TOTP_TOLERANCE_SECONDS = 30;
const REFUSED = 'Wrong email, password or code';

@ApiTags('operators')
@Public()
@Controller('v1/operator-auth')
export class OperatorAuthController {
  constructor(
    private readonly operators: OperatorRepository,
    private readonly tokens: AccessTokens,
    private readonly limits: RequestLimits,
  ) {}

  @Post('enrol')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start TOTP enrolment', description: 'For an operator not yet enrolled: a new TOTP secret and ten recovery codes, shown once. Confirm with a first code.' })
  @ApiResponse({ status: 200, type: EnrolmentView })
  @ApiResponse({ status: 400, description: 'A field missing or invalid', type: ErrorBody })
  @ApiResponse({ status: 401, description: 'Wrong email or password', type: ErrorBody })
  @ApiResponse({ status: 409, description: 'already_enrolled', type: ErrorBody })
  @ApiResponse({ status: 429, description: 'Too many failed sign-ins from this address', type: ErrorBody })
  async enrol(@Body() dto: OperatorCredentialsDto, @Req() req: Request): Promise<EnrolmentView> {
    const found = await this.check(req, dto);
    if (found.operator.mfaEnabled) throw new ConflictError('already_enrolled', 'This operator has confirmed TOTP already');
    const secret = generateSecret();
    const recoveryCodes = Array.from({ length: RECOVERY_CODES }, () => randomBytes(6).toString('hex').replace(/(.{4})(?=.)/g, '$1-'));
    if (!(await this.operators.beginEnrolment(found.operator.id, secret, recoveryCodes))) throw new ConflictError('already_enrolled', 'This operator has confirmed TOTP already');
    return { secret, otpauthUri: generateURI({ secret, label: found.operator.email, issuer: ISSUER }), recoveryCodes };
  }

  @Post('enrol/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm TOTP enrolment with a first code' })
  @ApiResponse({ status: 200, type: EnrolmentConfirmedView })
  @ApiResponse({ status: 400, description: 'A field missing or invalid', type: ErrorBody })
  @ApiResponse({ status: 401, description: 'Wrong email, password or code, or no enrolment started', type: ErrorBody })
  @ApiResponse({ status: 429, description: 'Too many failed sign-ins from this address', type: ErrorBody })
  async confirm(@Body() dto: ConfirmEnrolmentDto, @Req() req: Request): Promise<EnrolmentConfirmedView> {
    const found = await this.check(req, dto);
    if (!found.totpSecret || !(await this.totpOk(found.operator.id, found.totpSecret, dto.code))) return this.refuse(req);
    await this.operators.confirmEnrolment(found.operator.id);
    return { mfaEnabled: true };
  }

  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in: an operator token for password + TOTP code (or a recovery code)', description: `The token lives ${OPERATOR_TOKEN_SECONDS} s and is needed for changes through operator routes (or use an operator key restricted to client addresses).` })
  @ApiResponse({ status: 200, type: OperatorTokenView })
  @ApiResponse({ status: 400, description: 'A field missing or invalid', type: ErrorBody })
  @ApiResponse({ status: 401, description: 'Wrong email, password or code; a missing code; or TOTP not enrolled', type: ErrorBody })
  @ApiResponse({ status: 429, description: 'Too many failed sign-ins from this address', type: ErrorBody })
  async token(@Body() dto: OperatorSignInDto, @Req() req: Request): Promise<OperatorTokenView> {
    const found = await this.check(req, dto);
    if (!found.operator.mfaEnabled || !found.totpSecret) return this.refuse(req);
    let recoveryLeft = found.recoveryCodes;
    if (dto.code !== undefined) {
      if (!(await this.totpOk(found.operator.id, found.totpSecret, dto.code))) return this.refuse(req);
    } else if (dto.recoveryCode !== undefined) {
      if (!(await this.operators.useRecoveryCode(found.operator.id, dto.recoveryCode))) return this.refuse(req);
      recoveryLeft -= 1;
    } else {
      return this.refuse(req);
    }
    await this.operators.signedIn(found.operator.id);
    return {
      accessToken: await this.tokens.issue('operator', found.operator.id, OPERATOR_SCOPES, OPERATOR_TOKEN_SECONDS),
      tokenType: 'Bearer',
      expiresIn: OPERATOR_TOKEN_SECONDS,
      recoveryCodesLeft: recoveryLeft,
    };
  }

  private async check(req: Request, dto: OperatorCredentialsDto) {
    const found = await this.operators.checkPassword(dto.email, dto.password);
    return found ?? this.refuse(req);
  }

  /** A valid code of a step not used before (a code works once). */
  private async totpOk(operatorId: string, secret: string, code: string): Promise<boolean> {
    const result = await verify({ secret, token: code, epochTolerance: TOTP_TOLERANCE_SECONDS });
    if (!result.valid || !('timeStep' in result)) return false;
    return this.operators.useTotpStep(operatorId, result.timeStep);
  }

  private async refuse(req: Request): Promise<never> {
    await this.limits.failedAuthentication(sourceAddress(req.ip ?? req.socket.remoteAddress));
    throw new UnauthorizedError('invalid_credentials', REFUSED);
  }
}
