// The carrier simulator: one SMSC per simulated carrier plus the HTTP control API; with a
// certificate, SMSCs marked `tls` speak SMPP over TLS and the control API is served over HTTPS too.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { TlsIdentity } from '@app/config';
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
  /** The certificate of SMSCs with `tls: true` and of the HTTPS control port. */
  tls?: TlsIdentity;
  /** The control API (and so the HTTP carriers) over HTTPS on this port as well; needs `tls`. */
  tlsControlPort?: number;
  host?: string;
  logger?: Logger;
  random?: () => number;
}

export interface CarrierSim {
  controlUrl: string;
  /** https://… of the HTTPS control port, when one was asked for. */
  tlsControlUrl?: string;
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
    if (config.tls && !options.tls) throw new Error(`carrier ${config.id} wants TLS but the simulator has no certificate`);
    const smsc = new Smsc(config, logger, options.random);
    await smsc.listen(host, config.tls ? options.tls : undefined);
    carriers.set(config.id, smsc);
  }
  for (const config of options.httpCarriers ?? []) carriers.set(config.id, new HttpCarrier(config, logger, options.random));
  const voice = new VoiceProvider();
  const listen = async (server: Server, port: number) => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  };
  const control = createControlServer(carriers, voice);
  const port = await listen(control, options.controlPort);
  let tlsControl: Server | undefined;
  let tlsControlUrl: string | undefined;
  if (options.tlsControlPort !== undefined) {
    if (!options.tls) throw new Error('an HTTPS control port needs a certificate');
    tlsControl = createControlServer(carriers, voice, { tls: options.tls });
    tlsControlUrl = `https://${host}:${await listen(tlsControl, options.tlsControlPort)}`;
  }
  return {
    controlUrl: `http://${host}:${port}`,
    tlsControlUrl,
    carriers,
    voice,
    ports: Object.fromEntries([...carriers].flatMap(([id, s]) => (s instanceof Smsc ? [[id, s.port]] : []))),
    async close() {
      for (const server of [control, tlsControl]) {
        if (!server) continue;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await Promise.all([...carriers.values()].map((s) => s.close()));
      voice.close();
    },
  };
}
