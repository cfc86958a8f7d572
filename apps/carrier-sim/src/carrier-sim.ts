// The carrier simulator: one SMSC per simulated carrier plus the HTTP control API.
import type { AddressInfo } from 'node:net';
import pino, { Logger } from 'pino';
import { createControlServer } from './control-api';
import { SimCarrierConfig, Smsc } from './smsc';
import { VoiceProvider } from './voice-provider';

export interface CarrierSimOptions {
  carriers: SimCarrierConfig[];
  controlPort: number;
  host?: string;
  logger?: Logger;
  random?: () => number;
}

export interface CarrierSim {
  controlUrl: string;
  carriers: Map<string, Smsc>;
  /** The simulated voice provider, under /voice on the control URL. */
  voice: VoiceProvider;
  /** Actual SMPP port of each carrier (useful with port 0). */
  ports: Record<string, number>;
  close(): Promise<void>;
}

export async function startCarrierSim(options: CarrierSimOptions): Promise<CarrierSim> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? pino({ name: 'carrier-sim', level: 'silent' });
  const carriers = new Map<string, Smsc>();
  for (const config of options.carriers) {
    const smsc = new Smsc(config, logger, options.random);
    await smsc.listen(host);
    carriers.set(config.id, smsc);
  }
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
    ports: Object.fromEntries([...carriers].map(([id, s]) => [id, s.port])),
    async close() {
      control.closeAllConnections();
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await Promise.all([...carriers.values()].map((s) => s.close()));
      voice.close();
    },
  };
}
