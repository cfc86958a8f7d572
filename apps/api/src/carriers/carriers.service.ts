// Operator view and settings of carriers.
import { Inject, Injectable } from '@nestjs/common';
import { CARRIER_CONNECTION_FIELDS, carrierEndpoint, CarrierConfig, CarrierSettingsError, parseCarrierSettings } from '@app/carriers';
import { ConflictError, NotFoundError, ValidationError } from '@app/contracts';
import type { ApiConfig } from '@app/config';
import { CarrierEntity, CarrierHealthRepository, CarrierRepository, SecretBox } from '@app/db';
import { API_CONFIG } from '../tokens';
import { CarrierConnectionDto, CarrierHealthView, CarrierView, CreateCarrierDto, UpdateCarrierDto } from './dto/carrier.dto';

/** Validates a connection with the same rules as the CARRIERS setting (its kind's), naming the bad field. */
function validConnection(input: Record<string, unknown>): CarrierConfig {
  try {
    return parseCarrierSettings(input);
  } catch (err) {
    if (!(err instanceof CarrierSettingsError)) throw err;
    throw new ValidationError('invalid_field', err.message, err.field || undefined);
  }
}

/** Same window as the worker's circuit breaker default (CIRCUIT_WINDOW_SECONDS). */
const CIRCUIT_WINDOW_MS = 60_000;
const QUALITY_WINDOW_MS = 15 * 60_000;

const COUNTRY_OR_ANY = /^([A-Z]{2}|\*)$/;

@Injectable()
export class CarriersService {
  private readonly box: SecretBox;

  constructor(
    private readonly carriers: CarrierRepository,
    private readonly health: CarrierHealthRepository,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    this.box = new SecretBox(config.secretsKey);
  }

  async create(dto: CreateCarrierDto): Promise<CarrierView> {
    const { enabled, costs, maxTps, ...connection } = dto;
    this.checkCosts(costs);
    const created = await this.carriers.create(validConnection(connection), this.box, { enabled, costs, maxTps });
    if (!created) throw new ConflictError('carrier_exists', `A carrier ${dto.id} exists already`, 'id');
    return toView(created);
  }

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
    this.checkCosts(dto.costs);
    const fields = dto as unknown as Record<string, unknown>;
    const connection = Object.fromEntries(CARRIER_CONNECTION_FIELDS.filter((f) => fields[f] !== undefined).map((f) => [f, fields[f]])) as CarrierConnectionDto;
    if (Object.keys(connection).length > 0) {
      const current = await this.carriers.find(id);
      if (!current) throw new NotFoundError('carrier_not_found', `No carrier ${id}`);
      if (current.source === 'config') throw new ConflictError('managed_by_configuration', `The connection of ${id} is set by the CARRIERS setting; change it there`);
      // Merge with the stored connection; the secret is kept unless a new one is given.
      const stored = (await this.carriers.connections(this.box)).find((c) => c.config.id === id)?.config;
      await this.carriers.updateConnection(validConnection({ ...stored, ...connection, id, type: current.connectorType }), this.box);
    }
    const updated = await this.carriers.update(id, { enabled: dto.enabled, costs: dto.costs, maxTps: dto.maxTps });
    if (!updated) throw new NotFoundError('carrier_not_found', `No carrier ${id}`);
    return toView(updated);
  }

  private checkCosts(costs: Record<string, number> | undefined): void {
    for (const [country, price] of Object.entries(costs ?? {})) {
      if (!COUNTRY_OR_ANY.test(country)) throw new ValidationError('invalid_field', `costs keys must be ISO country codes (e.g. "US") or "*", got "${country}"`, `costs.${country}`);
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || price > 100) {
        throw new ValidationError('invalid_field', 'a price per segment must be a number from 0 to 100', `costs.${country}`);
      }
    }
  }
}

function toView(c: CarrierEntity): CarrierView {
  return {
    id: c.id,
    connectorType: c.connectorType,
    endpoint: carrierEndpoint(c.connectorType, c),
    systemId: c.systemId,
    priority: c.priority,
    enabled: c.enabled,
    costs: c.costs,
    maxTps: c.maxTps,
    window: c.bindWindow,
    bindState: c.bindState,
    circuit: c.circuitState,
    source: c.source,
    hasCredentials: c.credentials !== null,
    lastError: c.lastError,
  };
}
