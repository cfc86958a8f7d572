// Client-side Temporal helpers shared by the API and the worker.
import { Client, Connection, TLSConfig } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '@app/contracts';
import type { TemporalTlsConfig } from '@app/config';
import { temporal } from '@temporalio/proto';
import type { Kms } from '@app/crypto';
import { encryptedDataConverter } from './payload-codec';

/** Where the Temporal frontend is, and how to reach it (TEMPORAL_ADDRESS, TEMPORAL_TLS_*). */
export interface TemporalTarget {
  address: string;
  tls?: TemporalTlsConfig;
}

/** The SDK's TLS option for a target (the client Connection and the worker's NativeConnection take the same): undefined for plain gRPC. */
export function temporalTlsOption(tls: TemporalTlsConfig | undefined): TLSConfig | undefined {
  if (!tls) return undefined;
  return {
    ...(tls.ca ? { serverRootCACertificate: tls.ca } : {}),
    ...(tls.client ? { clientCertPair: { crt: tls.client.cert, key: tls.client.key } } : {}),
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
  };
}

export async function connectTemporal(target: TemporalTarget, { timeoutMs = 30_000 } = {}): Promise<Connection> {
  const { address } = target;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await Connection.connect({ address, tls: temporalTlsOption(target.tls), connectTimeout: '5s' });
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`cannot reach Temporal at TEMPORAL_ADDRESS=${address}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A client whose payloads are encrypted (payload-codec.ts): `kms` holds the KEKs of ENCRYPTION_KEKS. */
export function createTemporalClient(connection: Connection, namespace: string, kms: Kms): Client {
  return new Client({ connection, namespace, dataConverter: encryptedDataConverter(kms) });
}

/**
 * Registers the custom search attributes the workflows set, when a server lacks them (a
 * Temporal cluster; the dev server gets them as flags at launch). Safe to call repeatedly.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const wanted = Object.keys(SEARCH_ATTRIBUTE_TYPES);
  let existing: Record<string, unknown> = {};
  try {
    existing = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch {
    // Temporal's time-skipping test server cannot list attributes but can add them.
  }
  const missing = Object.fromEntries(
    wanted
      .filter((name) => !existing[name])
      .map((name) => [
        name,
        SEARCH_ATTRIBUTE_TYPES[name] === 'KeywordList' ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
  );
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
}
