// The carrier simulator: one SMSC per simulated carrier plus the HTTP control API.
import type { AddressInfo } from 'node:net';
import pino, { Logger } from 'pino';
import { createControlServer, SimCarrier } from './control-api';
import { HttpCarrier, HttpCarrierConfig } from './http-carrier';
import { SimCarrierConfig, Smsc } from './smsc';
import { VoiceProvider } from './voice-provider';

export interface CarrierSimOptions {
  carriers: SimCarrierConfig[];
  /** Carriers with a JSON-over-HTTP API, served under /http/:id on the control port. */
  httpCarriers?: HttpCarrierConfig[];
  controlPort: number;
  host?: string;
  logger?: Logger;
  random?: () => number;
}

export interface CarrierSim {
  controlUrl: string;
  carriers: Map<string, SimCarrier>;
  /** The simulated voice provider, under /voice on the control URL. */
  voice: VoiceProvider;
  /** Actual SMPP port of each carrier (useful with port 0). */
  ports: Record<string, number>;
  close(): Promise<void>;
}

export async function startCarrierSim(options: CarrierSimOptions): Promise<CarrierSim> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? pino({ name: 'carrier-sim', level: 'silent' });
  const carriers = new Map<string, SimCarrier>();
  for (const config of options.carriers) {
    const smsc = new Smsc(config, logger, options.random);
    await smsc.listen(host);
    carriers.set(config.id, smsc);
  }
  for (const config of options.httpCarriers ?? []) carriers.set(config.id, new HttpCarrier(config, logger, options.random));
  const voice = new VoiceProvider();
  const control = createControlServer(carriers, voice);
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(options.controlPort, host, () => resolve());
  });
  const { port } = control.address() as AddressInfo;
  return {
    controlUrl: `http://${host}:${port}`,
    carriers,
    voice,
    ports: Object.fromEntries([...carriers].flatMap(([id, s]) => (s instanceof Smsc ? [[id, s.port]] : []))),
    async close() {
      control.closeAllConnections();
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await Promise.all([...carriers.values()].map((s) => s.close()));
      voice.close();
    },
  };
}
