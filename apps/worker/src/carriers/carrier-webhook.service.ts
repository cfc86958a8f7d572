// The endpoints HTTP carriers call: POST /carriers/:id/receipts (delivery receipts) and POST
// /carriers/:id/inbound (inbound messages, MO). Each is handed to the webhook handler of that
// carrier's kind (http.kind.ts), which answers 200 only once the receipt or MO is stored (503
// otherwise, so the carrier re-sends it). Carriers whose kind has no such webhook get 404.
import http from 'node:http';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@app/config';
import { LOGGER, WORKER_CONFIG } from '../tokens';
import { CarrierDirectoryService } from './carrier-directory.service';

const MAX_BODY = 64 * 1024;

@Injectable()
export class CarrierWebhookService implements OnApplicationShutdown {
  private server?: http.Server;

  constructor(
    private readonly carriers: CarrierDirectoryService,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Always listens: operators may add an HTTP carrier at any time. */
  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`CARRIER_WEBHOOK_PORT ${this.config.webhook.port}: ${err.message}`)));
      server.listen(this.config.webhook.port, this.config.webhook.host, () => resolve());
    });
    this.server = server;
    this.logger.info({ url: this.config.webhook.publicUrl }, 'carrier webhooks (receipts, inbound) listening');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const answer = (status: number): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    };
    const match = /^\/carriers\/([^/]+)\/(receipts|inbound)$/.exec(req.url ?? '');
    let carrierId: string | undefined;
    try {
      carrierId = match ? decodeURIComponent(match[1]) : undefined;
    } catch {
      return answer(404);
    }
    const kind = match?.[2];
    const webhook = carrierId === undefined ? undefined : kind === 'receipts' ? this.carriers.receiptWebhook(carrierId) : this.carriers.inboundWebhook(carrierId);
    if (req.method !== 'POST' || !webhook) return answer(404);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return answer(413);
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(400);
    }
    const status = await webhook({ authorization: req.headers.authorization, body });
    if (status >= 400) this.logger.warn({ carrierId, status, kind }, 'carrier webhook refused');
    answer(status);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
