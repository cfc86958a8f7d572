// Operator view and settings of carriers.
import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@app/contracts';
import { CarrierEntity, CarrierRepository } from '@app/db';
import { CarrierView, UpdateCarrierDto } from './dto/carrier.dto';

const COUNTRY_OR_ANY = /^([A-Z]{2}|\*)$/;

@Injectable()
export class CarriersService {
  constructor(private readonly carriers: CarrierRepository) {}

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
    endpoint: `${c.host}:${c.port}`,
    systemId: c.systemId,
    priority: c.priority,
    enabled: c.enabled,
    costs: c.costs,
    maxTps: c.maxTps,
    window: c.bindWindow,
    bindState: c.bindState,
    lastError: c.lastError,
  };
}
