import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, MaxLength } from 'class-validator';

export class AssignNumberDto {
  @ApiProperty({ example: '+447400123456', description: 'The number inbound SMS arrive on, in E.164 (separators are ignored; it is stored normalised)' })
  @IsString()
  @MaxLength(32)
  number!: string;

  @ApiProperty({ format: 'uuid', description: 'The account that receives inbound SMS sent to this number' })
  @IsUUID()
  accountId!: string;
}

export class AccountNumberView {
  @ApiProperty({ example: '+447400123456', description: 'E.164' })
  number!: string;

  @ApiProperty({ format: 'uuid' })
  accountId!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
