import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/api-key.guard';
import { ErrorBody } from '../common/error-body';
import { AccountNumberView, AssignNumberDto } from './dto/number.dto';
import { NumbersService } from './numbers.service';

@ApiTags('numbers (operator)')
@ApiBearerAuth()
@RequireScope('operator')
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorBody })
@ApiResponse({ status: 403, description: 'The key lacks the operator scope', type: ErrorBody })
@Controller('v1/numbers')
export class NumbersController {
  constructor(private readonly numbers: NumbersService) {}

  @Post()
  @ApiOperation({
    summary: 'Assign a number to an account',
    description: "Inbound SMS to this number are stored for the account and delivered to its SMPP receivers as deliver_sm.",
  })
  @ApiResponse({ status: 201, type: AccountNumberView })
  @ApiResponse({ status: 400, description: 'Invalid number, or `field` accountId: no such account', type: ErrorBody })
  @ApiResponse({ status: 409, description: 'number_taken: the number belongs to an account', type: ErrorBody })
  assign(@Body() dto: AssignNumberDto): Promise<AccountNumberView> {
    return this.numbers.assign(dto);
  }

  @Get()
  @ApiOperation({ summary: 'Every assigned number and its account' })
  @ApiResponse({ status: 200, type: [AccountNumberView] })
  list(): Promise<AccountNumberView[]> {
    return this.numbers.list();
  }

  @Delete(':number')
  @HttpCode(204)
  @ApiOperation({ summary: 'Release a number: inbound SMS to it are stored without an account' })
  @ApiParam({ name: 'number', description: 'E.164, URL-encoded (%2B for +)', example: '%2B447400123456' })
  @ApiResponse({ status: 204, description: 'Released' })
  @ApiResponse({ status: 404, description: 'The number is not assigned', type: ErrorBody })
  release(@Param('number') number: string): Promise<void> {
    return this.numbers.release(number);
  }
}
