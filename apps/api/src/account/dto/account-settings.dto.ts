import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';

export const SMART_ENCODING_DESCRIPTION =
  'Smart encoding (off by default). When on, look-alike Unicode characters — curly quotes, long dashes, non-breaking and other odd spaces, the ellipsis (…), ' +
  'full-width ASCII — are replaced by their GSM-7 equivalents before segments are counted, but only when the whole text is then GSM-7: ' +
  'a text that still needs UCS-2 (an emoji, Cyrillic…) is sent as written. This saves segments, since GSM-7 fits 160 characters per SMS against 70 in UCS-2. ' +
  'It applies to messages sent over REST and over SMPP alike.';

export class AccountSettingsView {
  @ApiProperty({ example: true, description: SMART_ENCODING_DESCRIPTION })
  smartEncoding!: boolean;
}

export class UpdateAccountSettingsDto {
  @ApiProperty({ example: true, description: SMART_ENCODING_DESCRIPTION })
  @IsBoolean()
  smartEncoding!: boolean;
}
