// Operator view and settings of carriers.
import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@app/contracts';
import { CarrierEntity, CarrierHealthRepository, CarrierRepository } from '@app/db';
import { CarrierHealthView, CarrierView, UpdateCarrierDto } from './dto/carrier.dto';

/** Same window as the worker's circuit breaker default (CIRCUIT_WINDOW_SECONDS). */
const CIRCUIT_WINDOW_MS = 60_000;
const QUALITY_WINDOW_MS = 15 * 60_000;

const COUNTRY_OR_ANY = /^([A-Z]{2}|\*)$/;

@Injectable()
export class CarriersService {
  constructor(
    private readonly carriers: CarrierRepository,
    private readonly health: CarrierHealthRepository,
  ) {}

  async healthOf(id: string): Promise<CarrierHealthView> {
    const carrier = await this.carriers.find(id);
    if (!carrier) throw new NotFoundError('carrier_not_found', `No carrier ${id}`);
    const [windows, byCountry] = await Promise.all([this.health.window(CIRCUIT_WINDOW_MS), this.health.windowByCountry(QUALITY_WINDOW_MS, id)]);
    const empty = { attempts: 0, failures: 0, delivered: 0, finished: 0, deliveryRate: null, receiptLatencyP50Ms: null };
    const strip = <T extends { finished: number }>({ finished: _finished, ...rest }: T) => rest;
    return {
      carrierId: id,
      bindState: carrier.bindState,
      circuit: { state: carrier.circuitState, since: carrier.circuitChangedAt.toISOString(), reason: carrier.circuitReason },
      window: strip(windows.get(id) ?? empty),
      byCountry: byCountry.map(({ carrierId: _carrierId, ...stats }) => strip(stats)),
    };
  }

  async list(): Promise<CarrierView[]> {
    return (await this.carriers.list()).map(toView);
  }

  async get(id: string): Promise<CarrierView> {
    const carrier = await this.carriers.find(id);
    if (!carrier) throw new NotFoundError('carrier_not_found', `No carrier ${id}`);
    return toView(carrier);
  }

  async update(id: string, dto: UpdateCarrierDto): Promise<CarrierView> {
    for (const [country, price] of Object.entries(dto.costs ?? {})) {
      if (!COUNTRY_OR_ANY.test(country)) throw new ValidationError('invalid_field', `costs keys must be ISO country codes (e.g. "US") or "*", got "${country}"`, `costs.${country}`);
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || price > 100) {
        throw new ValidationError('invalid_field', 'a price per segment must be a number from 0 to 100', `costs.${country}`);
      }
    }
    const updated = await this.carriers.update(id, dto);
    if (!updated) throw new NotFoundError('carrier_not_found', `No carrier ${id}`);
    return toView(updated);
  }
}

function toView(c: CarrierEntity): CarrierView {
  return {
    id: c.id,
    connectorType: c.connectorType,
    endpoint: c.connectorType === 'http' ? c.host : `${c.host}:${c.port}`,
    systemId: c.systemId,
    priority: c.priority,
    enabled: c.enabled,
    costs: c.costs,
    maxTps: c.maxTps,
    window: c.bindWindow,
    bindState: c.bindState,
    circuit: c.circuitState,
    lastError: c.lastError,
  };
}
