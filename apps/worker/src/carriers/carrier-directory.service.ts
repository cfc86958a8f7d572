// Owns one immutable connector per configured carrier, keeps the carriers table in step with
// the configuration, and records each bind state change there (GET /health reads it).
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { CarrierConnector, HttpConnector, SmppConnector } from '@app/carriers';
import type { WorkerConfig } from '@app/config';
import type { CarrierDirectory } from '../../../../activities/messages/message.activities';
import { DATA_SOURCE, LOGGER, WORKER_CONFIG } from '../tokens';

const STATE_POLL_MS = 1000;

@Injectable()
export class CarrierDirectoryService implements CarrierDirectory, OnApplicationShutdown {
  private readonly connectors = new Map<string, CarrierConnector>();
  private readonly lastState = new Map<string, string>();
  private poller?: NodeJS.Timeout;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    for (const carrier of config.carriers) {
      this.connectors.set(
        carrier.id,
        carrier.type === 'http'
          ? new HttpConnector({ carrierId: carrier.id, url: carrier.url, token: carrier.token, callbackUrl: `${config.webhook.publicUrl}/carriers/${carrier.id}/receipts` })
          : new SmppConnector({
              carrierId: carrier.id,
              host: carrier.host,
              port: carrier.port,
              systemId: carrier.systemId,
              password: carrier.password,
              systemType: carrier.systemType,
              window: carrier.window,
              logger: logger.child({ carrierId: carrier.id }),
            }),
      );
    }
  }

  orderedIds(): string[] {
    return this.config.carriers.map((c) => c.id);
  }

  get(id: string): CarrierConnector | undefined {
    return this.connectors.get(id);
  }

  all(): CarrierConnector[] {
    return [...this.connectors.values()];
  }

  /** Upserts the configured carriers, disables the rest, then starts binding. */
  async start(): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const [priority, c] of this.config.carriers.entries()) {
        await tx.query(
          // Connection settings follow the configuration; enabled, prices and limits are the operators' (API).
          `INSERT INTO carriers (id, connector_type, host, port, system_id, priority, bind_window, enabled, bind_state)
           VALUES ($1, $2, $3, $4, $5, $6, $7, true, 'connecting')
           ON CONFLICT (id) DO UPDATE SET connector_type = $2, host = $3, port = $4, system_id = $5, priority = $6, bind_window = $7, updated_at = now()`,
          c.type === 'http' ? [c.id, c.type, c.url, 0, '', priority, c.window] : [c.id, c.type, c.host, c.port, c.systemId, priority, c.window],
        );
      }
      await tx.query(`UPDATE carriers SET enabled = false, bind_state = 'closed', updated_at = now() WHERE NOT (id = ANY($1))`, [this.orderedIds()]);
    });
    for (const connector of this.connectors.values()) connector.start();
    this.poller = setInterval(() => void this.recordStates(), STATE_POLL_MS);
  }

  private async recordStates(): Promise<void> {
    for (const connector of this.connectors.values()) {
      const status = connector.status();
      if (this.lastState.get(connector.carrierId) === status.state) continue;
      try {
        await this.db.query(`UPDATE carriers SET bind_state = $2, bind_state_at = $3, last_error = $4, updated_at = now() WHERE id = $1`, [
          connector.carrierId,
          status.state,
          status.since,
          status.lastError ?? null,
        ]);
        this.lastState.set(connector.carrierId, status.state);
        this.logger.info({ carrierId: connector.carrierId, state: status.state, lastError: status.lastError }, 'carrier bind state');
      } catch (err) {
        this.logger.warn({ err, carrierId: connector.carrierId }, 'could not record carrier bind state');
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await Promise.all([...this.connectors.values()].map((c) => c.close()));
    await this.db
      .query(`UPDATE carriers SET bind_state = 'closed', bind_state_at = now(), updated_at = now() WHERE id = ANY($1)`, [this.orderedIds()])
      .catch(() => undefined);
  }
}
