import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';
import { present } from '../../common/present';


export class CreateOperatorDto {
  @ApiProperty({ example: 'ops@example.com', maxLength: 254 })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ minLength: 12, maxLength: 200, description: 'At least 12 characters; stored as a scrypt hash' })
  @IsString()
  @Length(12, 200)
  password!: string;
}

export class OperatorCredentialsDto {
  @ApiProperty({ example: 'ops@example.com', maxLength: 254 })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MaxLength(200)
  password!: string;
}

export class ConfirmEnrolmentDto extends OperatorCredentialsDto {
  @ApiProperty({ example: '492039', description: 'The current 6-digit code of the authenticator app' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be the 6 digits the authenticator app shows' })
  code!: string;
}

export class OperatorSignInDto extends OperatorCredentialsDto {
  @ApiPropertyOptional({ example: '492039', description: 'The current 6-digit TOTP code (or give recoveryCode)' })
  @ValidateIf(present)
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be the 6 digits the authenticator app shows' })
  code?: string;

  @ApiPropertyOptional({ example: 'k3v9-q2xw-7hjd', description: 'One of the recovery codes shown at enrolment, instead of code; each works once' })
  @ValidateIf(present)
  @IsString()
  @MaxLength(40)
  recoveryCode?: string;
}

export class OperatorView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ description: 'TOTP enrolment confirmed: the operator can sign in' })
  mfaEnabled!: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSignInAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabledAt!: string | null;
}

export class OperatorListView {
  @ApiProperty({ type: [OperatorView] })
  items!: OperatorView[];
}

export class EnrolmentView {
  @ApiProperty({ description: 'The TOTP secret (base32), shown this once; or use otpauthUri as a QR code' })
  secret!: string;

  @ApiProperty({ example: 'otpauth://totp/SMS%20aggregator:ops%40example.com?secret=…&issuer=SMS%20aggregator' })
  otpauthUri!: string;

  @ApiProperty({ type: [String], description: 'Ten single-use recovery codes, shown this once' })
  recoveryCodes!: string[];
}

export class EnrolmentConfirmedView {
  @ApiProperty()
  mfaEnabled!: true;
}

export class OperatorTokenView {
  @ApiProperty({ description: 'Send as Authorization: Bearer …; carries the operator scope for changes' })
  accessToken!: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';

  @ApiProperty({ example: 900 })
  expiresIn!: number;

  @ApiProperty({ description: 'Recovery codes left' })
  recoveryCodesLeft!: number;
}
