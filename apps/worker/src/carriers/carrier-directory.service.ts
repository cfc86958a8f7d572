// Owns one immutable connector per carrier in the carriers table (CARRIERS are written there at
// start; operators add more through the API), replaces a connector when its connection
// settings change, and records each bind state change there (GET /health reads it).
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { BuiltCarrier, buildCarrier, CarrierConfig, CarrierConnector, ReceiptWebhookRequest } from '@app/carriers';
import type { WorkerConfig } from '@app/config';
import { CarrierBindReport, CarrierRepository, InboundRepository, SecretBox } from '@app/db';
import type { CarrierDirectory } from '../../../../activities/messages/message.activities';
import { ReceiptRouterService } from '../receipts/receipt-router.service';
import { DATA_SOURCE, LOGGER, WORKER_CONFIG } from '../tokens';

const STATE_POLL_MS = 1000;
const RECONCILE_MS = 5000;

@Injectable()
export class CarrierDirectoryService implements CarrierDirectory, OnApplicationShutdown {
  private readonly connectors = new Map<string, BuiltCarrier & { fingerprint: string }>();
  private readonly lastState = new Map<string, string>();
  private readonly box: SecretBox;
  private poller?: NodeJS.Timeout;
  private reconciler?: NodeJS.Timeout;
  private reconciling = false;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly carriers: CarrierRepository,
    private readonly receipts: ReceiptRouterService,
    private readonly inbound: InboundRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.box = new SecretBox(config.secretsKey);
  }

  ids(): string[] {
    return [...this.connectors.keys()];
  }

  get(id: string): CarrierConnector | undefined {
    return this.connectors.get(id)?.connector;
  }

  /** Each connection's state right now (the worker's heartbeat carries it to GET /health). */
  statuses(): CarrierBindReport[] {
    return [...this.connectors].map(([id, { connector }]) => {
      const status = connector.status();
      return { id, state: status.state, since: status.since ?? null, lastError: status.lastError ?? null };
    });
  }

  /** The receipt webhook handler of a carrier whose kind has one (HTTP carriers). */
  receiptWebhook(id: string): ((request: ReceiptWebhookRequest) => Promise<number>) | undefined {
    return this.connectors.get(id)?.receiptWebhook;
  }

  /** The inbound (MO) webhook handler of a carrier whose kind has one (HTTP carriers). */
  inboundWebhook(id: string): ((request: ReceiptWebhookRequest) => Promise<number>) | undefined {
    return this.connectors.get(id)?.inboundWebhook;
  }

  /** Writes CARRIERS to the table, retires config carriers no longer listed, then connects. */
  async start(): Promise<void> {
    await this.carriers.upsertFromConfig(this.config.carriers, this.box);
    await this.db.query(`UPDATE carriers SET enabled = false, bind_state = 'closed', updated_at = now() WHERE source = 'config' AND NOT (id = ANY($1))`, [
      this.config.carriers.map((c) => c.id),
    ]);
    await this.reconcile();
    this.poller = setInterval(() => void this.recordStates(), STATE_POLL_MS);
    this.reconciler = setInterval(() => void this.reconcile(), RECONCILE_MS);
  }

  /** Creates connectors for new carriers, replaces those whose connection changed, closes those removed. */
  async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      const connections = await this.carriers.connections(this.box);
      const present = new Set(connections.map((c) => c.config.id));
      for (const [id, { connector }] of this.connectors) {
        if (present.has(id)) continue;
        await connector.close();
        this.connectors.delete(id);
        this.logger.info({ carrierId: id }, 'carrier removed: connector closed');
      }
      for (const { config, fingerprint } of connections) {
        const current = this.connectors.get(config.id);
        if (current?.fingerprint === fingerprint) continue;
        if (current) await current.connector.close();
        const built = this.build(config);
        const { connector } = built;
        connector.onReceipt((receipt) => this.receipts.handle(receipt));
        connector.onInbound(async (message) => {
          const stored = await this.inbound.store(message);
          if (stored.outcome === 'duplicate') this.logger.info({ carrierId: message.carrierId, inboundId: stored.id }, 'inbound message delivered again by the carrier: stored once');
          else if (stored.outcome === 'stored' && !stored.accountId) this.logger.info({ carrierId: message.carrierId, inboundId: stored.id }, 'inbound message for a number no account has: stored only');
        });
        connector.start();
        this.connectors.set(config.id, { ...built, fingerprint });
        this.lastState.delete(config.id);
        this.logger.info({ carrierId: config.id, type: config.type }, current ? 'carrier connection replaced' : 'carrier connector started');
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'carrier reconcile failed; will retry');
    } finally {
      this.reconciling = false;
    }
  }

  /** The carrier's connector, built by its kind (libs/carriers/src/registry.ts). */
  private build(carrier: CarrierConfig): BuiltCarrier {
    return buildCarrier(carrier, { receiptWebhookUrl: `${this.config.webhook.publicUrl}/carriers/${carrier.id}/receipts`, logger: this.logger });
  }

  private async recordStates(): Promise<void> {
    for (const [id, { connector }] of this.connectors) {
      const status = connector.status();
      if (this.lastState.get(id) === status.state) continue;
      try {
        await this.db.query(`UPDATE carriers SET bind_state = $2, bind_state_at = $3, last_error = $4, updated_at = now() WHERE id = $1`, [
          id,
          status.state,
          status.since,
          status.lastError ?? null,
        ]);
        this.lastState.set(id, status.state);
        this.logger.info({ carrierId: id, state: status.state, lastError: status.lastError }, 'carrier bind state');
      } catch (err) {
        this.logger.warn({ err, carrierId: id }, 'could not record carrier bind state');
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    if (this.reconciler) clearInterval(this.reconciler);
    await Promise.all([...this.connectors.values()].map(({ connector }) => connector.close()));
    await this.db.query(`UPDATE carriers SET bind_state = 'closed', bind_state_at = now(), updated_at = now() WHERE id = ANY($1)`, [this.ids()]).catch(() => undefined);
  }
}
