// Plans the route of a message from the active rule set and what we know of the carriers:
// used by the worker's planRoute activity and by POST /v1/routing/simulate, so a simulation
// shows exactly what sending would do.
import { CarrierFacts, NoRouteError, planRoute, RoutePlanDecision, RouteRequest, RoutingRule } from '@app/domain';
import { CarrierRepository } from './repositories/carrier.repository';
import { RoutingRepository } from './repositories/routing.repository';

export interface VersionedPlan extends RoutePlanDecision {
  routingVersion: number;
}

export class RoutePlanner {
  constructor(
    private readonly routing: RoutingRepository,
    private readonly carriers: CarrierRepository,
    private readonly random: () => number = Math.random,
  ) {}

  /** Throws NoRouteError when no rule set is active or no rule matches. */
  async plan(request: RouteRequest): Promise<VersionedPlan> {
    const active = await this.routing.active<RoutingRule & { [key: string]: unknown }>();
    if (!active) throw new NoRouteError('no routing rules are active');
    const facts: CarrierFacts[] = (await this.carriers.list()).map((c) => ({
      carrierId: c.id,
      enabled: c.enabled,
      costs: c.costs,
      // An unbound carrier goes last rather than out: during a worker restart every carrier is
      // briefly unbound, and skipping them all would fail messages that a moment later could go.
      health: { circuit: c.bindState === 'bound' ? 'closed' : 'half_open' },
    }));
    return { routingVersion: active.version, ...planRoute(active.rules, facts, request, this.random) };
  }
}
