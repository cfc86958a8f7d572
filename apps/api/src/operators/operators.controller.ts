// /v1/operators: the people who run the platform (operator scope). Making one is an operator
// change (an operator token, or an operator key bound to client addresses); the new operator
// then enrols TOTP (POST /v1/operator-auth/enrol) before it can sign in.
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ConflictError, NotFoundError } from '@app/contracts';
import { AuthenticatedKey, OperatorRepository, OperatorView as StoredOperator } from '@app/db';
import { Audited } from '../audit/audited';
import { CurrentAuth, RequireScope } from '../auth/api-key.guard';
import { ErrorBody } from '../common/error-body';
import { CreateOperatorDto, OperatorListView, OperatorView } from './dto/operator.dto';

const readOperator = (operators: OperatorRepository, id: string | undefined) => (id ? operators.list().then((all) => all.find((o) => o.id === id)).then((o) => (o ? view(o) : null)) : Promise.resolve(null));

@ApiTags('operators')
@ApiBearerAuth()
@RequireScope('operator')
@ApiResponse({ status: 401, description: 'Missing or invalid credential', type: ErrorBody })
@ApiResponse({ status: 403, description: 'Not an operator credential; or (mfa_required) a change without an operator token or address-bound operator key', type: ErrorBody })
@Controller('v1/operators')
export class OperatorsController {
  constructor(private readonly operators: OperatorRepository) {}

  @Get()
  @ApiOperation({ summary: 'Every operator' })
  @ApiResponse({ status: 200, type: OperatorListView })
  async list(): Promise<OperatorListView> {
    return { items: (await this.operators.list()).map(view) };
  }

  @Post()
  @Audited({
    action: 'operator.create',
    targetType: 'operator',
    targetId: (_, result) => (result as { id?: string } | undefined)?.id ?? null,
    read: (m, _, result) => readOperator(m.get(OperatorRepository, { strict: false }), (result as { id?: string } | undefined)?.id),
  })
  @ApiOperation({ summary: 'Add an operator (in the calling credential’s account)', description: 'The operator must then enrol TOTP before signing in.' })
  @ApiResponse({ status: 201, type: OperatorView })
  @ApiResponse({ status: 400, description: 'Invalid or unknown field (email, password of 12 to 200 characters)', type: ErrorBody })
  @ApiResponse({ status: 409, description: 'operator_exists: the email is taken', type: ErrorBody })
  async create(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: CreateOperatorDto): Promise<OperatorView> {
    const created = await this.operators.create(auth.accountId, dto.email, dto.password);
    if (!created) throw new ConflictError('operator_exists', 'An operator with this email exists', 'email');
    return view(created);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam({ name: 'id', format: 'uuid' })
  @Audited({ action: 'operator.disable', targetType: 'operator', targetId: (req) => req.params.id as string, read: (m, req) => readOperator(m.get(OperatorRepository, { strict: false }), req.params.id as string) })
  @ApiOperation({ summary: 'Disable an operator', description: 'Its tokens stop working at once.' })
  @ApiResponse({ status: 204, description: 'Disabled' })
  @ApiResponse({ status: 404, description: 'operator_not_found', type: ErrorBody })
  async disable(@Param('id') id: string): Promise<void> {
    if (!(await this.operators.disable(id))) throw new NotFoundError('operator_not_found', `No operator ${id}`);
  }
}

function view(o: StoredOperator): OperatorView {
  return { id: o.id, email: o.email, mfaEnabled: o.mfaEnabled, createdAt: o.createdAt.toISOString(), lastSignInAt: o.lastSignInAt?.toISOString() ?? null, disabledAt: o.disabledAt?.toISOString() ?? null };
}
