import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBody } from '../common/error-body';
import { AccountNumberView, AssignNumberDto, UpdateNumberDto } from './dto/number.dto';
import { NumbersService } from './numbers.service';
import { KeyScope } from '../auth/key-scope.decorator';

@ApiTags('numbers (operator)')
@KeyScope('operator')
@Controller('v1/numbers')
export class NumbersController {
  constructor(private readonly numbers: NumbersService) {}

  @Post()
  @ApiOperation({
    summary: 'Give an account a long or short code',
    description:
      'The account may send from the number (with the sms capability; a short code only to numbers of its country), and inbound SMS to it are stored for the account, go through its conversations and reach its webhook and SMPP receivers.',
  })
  @ApiResponse({ status: 201, type: AccountNumberView })
  @ApiResponse({ status: 400, description: 'Invalid number, country or capabilities; unknown_account (field accountId); unknown_carrier (field carrierId)', type: ErrorBody })
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

  @Patch(':number')
  @ApiOperation({ summary: "Change a number's carrier or capabilities" })
  @ApiParam({ name: 'number', description: 'E.164, URL-encoded (%2B for +), or a short code', example: '%2B447400123456' })
  @ApiResponse({ status: 200, type: AccountNumberView })
  @ApiResponse({ status: 400, description: 'Invalid capabilities; unknown_carrier (field carrierId)', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'No account holds the number', type: ErrorBody })
  update(@Param('number') number: string, @Body() dto: UpdateNumberDto): Promise<AccountNumberView> {
    return this.numbers.update(number, dto);
  }

  @Delete(':number')
  @HttpCode(204)
  @ApiOperation({ summary: 'Release a number: the account may no longer send from it, and inbound SMS to it are stored without an account' })
  @ApiParam({ name: 'number', description: 'E.164, URL-encoded (%2B for +)', example: '%2B447400123456' })
  @ApiResponse({ status: 204, description: 'Released' })
  @ApiResponse({ status: 404, description: 'The number is not assigned', type: ErrorBody })
  release(@Param('number') number: string): Promise<void> {
    return this.numbers.release(number);
  }
}
