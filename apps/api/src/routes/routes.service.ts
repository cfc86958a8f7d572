// The routing table as operators manage it: every change is a new version; any version can be
// activated again (rollback or forward). Simulation uses the same planner as sending.
import { Injectable } from '@nestjs/common';
import { NotFoundError, UnprocessableError, ValidationError } from '@app/contracts';
import { CarrierRepository, RoutePlanner, RoutingRepository, StoredRule } from '@app/db';
import { analyzeText, NoRouteError, normalizeE164, normalizeSender, validateRuleSet } from '@app/domain';
import { ReplaceRoutesDto, RoutePlanView, RoutesView, RoutingVersionView, SimulateRouteDto } from './dto/routes.dto';

@Injectable()
export class RoutesService {
  constructor(
    private readonly routing: RoutingRepository,
    private readonly carriers: CarrierRepository,
    private readonly planner: RoutePlanner,
  ) {}

  async active(): Promise<RoutesView> {
    const active = await this.routing.active();
    if (!active) throw new NotFoundError('no_active_routes', 'No routing rules are active yet');
    return active;
  }

  async replace(dto: ReplaceRoutesDto, createdBy: string): Promise<RoutesView> {
    const known = new Set((await this.carriers.list()).map((c) => c.id));
    const problems = validateRuleSet(dto.rules, known);
    if (problems.length > 0) throw new ValidationError('invalid_rule', problems[0].message, problems[0].field);
    const rules = dto.rules as StoredRule[];
    const version = await this.routing.createVersion(rules, { comment: dto.comment ?? null, createdBy });
    return { version, rules };
  }

  async versions(): Promise<RoutingVersionView[]> {
    return (await this.routing.versions()).map((v) => ({ ...v, createdAt: v.createdAt.toISOString() }));
  }

  async version(version: number): Promise<RoutesView> {
    const rules = await this.routing.rules(version);
    if (!rules) throw new NotFoundError('routing_version_not_found', `No routing version ${version}`);
    return { version, rules };
  }

  async activate(version: number): Promise<RoutesView> {
    if (!(await this.routing.activate(version))) throw new NotFoundError('routing_version_not_found', `No routing version ${version}`);
    return this.version(version);
  }

  async simulate(dto: SimulateRouteDto, accountId: string): Promise<RoutePlanView> {
    const to = normalizeE164(dto.to, 'to');
    const senderType = dto.from ? normalizeSender(dto.from, 'from').type : 'alphanumeric';
    try {
      const plan = await this.planner.plan({
        to: to.e164,
        country: to.country,
        priority: dto.priority,
        senderType,
        accountId: dto.accountId ?? accountId,
        segments: dto.body ? analyzeText(dto.body).segments : 1,
      });
      return { ...plan, country: to.country ?? null };
    } catch (err) {
      if (err instanceof NoRouteError) throw new UnprocessableError('no_route', err.message);
      throw err;
    }
  }
}
