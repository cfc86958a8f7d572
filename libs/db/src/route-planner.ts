// Plans the route of a message from the active rule set and what we know of the carriers:
// used by the worker's planRoute activity and by POST /v1/routing/simulate, so a simulation
// shows exactly what sending would do.
import { CarrierFacts, NoRouteError, planRoute, RoutePlanDecision, RouteRequest, RoutingRule, withConversion } from '@app/domain';
import { CarrierHealthRepository } from './repositories/carrier-health.repository';
import { CarrierRepository } from './repositories/carrier.repository';
import { RoutingRepository } from './repositories/routing.repository';

/** Quality routing looks at the last 15 minutes per destination country. */
const QUALITY_WINDOW_MS = 15 * 60_000;
/** Verify conversion per carrier looks at the last hour (verifications are fewer than messages). */
const CONVERSION_WINDOW_MS = 60 * 60_000;

export interface VersionedPlan extends RoutePlanDecision {
  routingVersion: number;
  /** The destination's mobile network (MCC+MNC), when it was looked up. */
  network: string | null;
}

export class RoutePlanner {
  constructor(
    private readonly routing: RoutingRepository,
    private readonly carriers: CarrierRepository,
    private readonly health: CarrierHealthRepository,
    private readonly lookup?: { lookup(e164: string): Promise<{ network?: string } | undefined> },
    private readonly random: () => number = Math.random,
  ) {}

  /** Delivery rate and receipt latency per carrier for the destination country (quality strategy). */
  private async quality(country: string | undefined): Promise<Map<string, { deliveryRate?: number; receiptLatencyMs?: number; samples: number }>> {
    const [stats, conversion] = await Promise.all([this.health.windowByCountry(QUALITY_WINDOW_MS), this.health.conversionByCountry(CONVERSION_WINDOW_MS)]);
    const here = (s: { country: string | null }) => s.country === (country ?? null);
    const quality = new Map(
      stats.filter(here).map((s) => [s.carrierId, { deliveryRate: s.deliveryRate ?? undefined, receiptLatencyMs: s.receiptLatencyP50Ms ?? undefined, samples: s.finished }]),
    );
    // Verify conversion: a carrier whose delivered codes are rarely entered scores lower.
    return withConversion(quality, conversion.filter(here));
  }

  /**
   * A planner for many messages at once (a bulk page): the active rules and the carriers are
   * read once, quality statistics once per country. The function throws NoRouteError like plan().
   */
  async snapshot(): Promise<(request: RouteRequest) => Promise<VersionedPlan>> {
    const active = await this.routing.active<RoutingRule & { [key: string]: unknown }>();
    const carriers = await this.carriers.list();
    const qualityByCountry = new Map<string | undefined, Promise<Map<string, { deliveryRate?: number; receiptLatencyMs?: number; samples: number }>>>();
    return async (request) => {
      if (!active) throw new NoRouteError('no routing rules are active');
      const rule = active.rules;
      if (request.network === undefined && this.lookup && rule.some((r) => r.networks?.length)) {
        request = { ...request, network: (await this.lookup.lookup(request.to))?.network };
      }
      let quality = new Map<string, { deliveryRate?: number; receiptLatencyMs?: number; samples: number }>();
      if (rule.some((r) => r.strategy === 'quality')) {
        if (!qualityByCountry.has(request.country)) qualityByCountry.set(request.country, this.quality(request.country));
        quality = await qualityByCountry.get(request.country)!;
      }
      const facts: CarrierFacts[] = carriers.map((c) => ({ carrierId: c.id, enabled: c.enabled, costs: c.costs, health: { circuit: c.circuitState, ...quality.get(c.id) } }));
      return { routingVersion: active.version, network: request.network ?? null, ...planRoute(rule, facts, request, this.random) };
    };
  }

  /** Throws NoRouteError when no rule set is active or no rule matches. */
  async plan(request: RouteRequest): Promise<VersionedPlan> {
    const active = await this.routing.active<RoutingRule & { [key: string]: unknown }>();
    if (!active) throw new NoRouteError('no routing rules are active');
    const rule = active.rules;
    // Look the network up only when some rule routes by network (a lookup may cost money).
    if (request.network === undefined && this.lookup && rule.some((r) => r.networks?.length)) {
      request = { ...request, network: (await this.lookup.lookup(request.to))?.network };
    }
    const needsQuality = rule.some((r) => r.strategy === 'quality');
    const quality = needsQuality ? await this.quality(request.country) : new Map();
    const facts: CarrierFacts[] = (await this.carriers.list()).map((c) => ({
      carrierId: c.id,
      enabled: c.enabled,
      costs: c.costs,
      // The circuit is the health monitor's verdict (a carrier unbound for long opens it).
      health: { circuit: c.circuitState, ...quality.get(c.id) },
    }));
    return { routingVersion: active.version, network: request.network ?? null, ...planRoute(rule, facts, request, this.random) };
  }
}
