// A Temporal client for tests, with the product's payload codec (payloads are encrypted with
// the run's KEKs, libs/temporal/src/payload-codec.ts).
import { Client, Connection } from '@temporalio/client';
import { encryptedDataConverter } from '@app/temporal';
import { testKms } from './env';

export function testTemporalClient(connection: Connection, namespace?: string): Client {
  return new Client({ connection, namespace, dataConverter: encryptedDataConverter(testKms()) });
}
