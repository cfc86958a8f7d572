// Reads what the product seals at rest (libs/db/src/data-keyring.ts) from a test's own
// connection: the data key from `data_keys`, unwrapped with the run's KEKs.
import { aeadOpen } from '@app/crypto';
import { testKms } from './env';

type Queryable = { query(sql: string, params?: unknown[]): Promise<unknown> };

export async function openSealed(db: Queryable, value: string): Promise<string> {
  const match = /^enc1:([^:]+):(.+)$/.exec(value);
  if (!match) throw new Error(`not a sealed value: ${value.slice(0, 12)}…`);
  const result = await db.query(`SELECT kek_id, wrapped FROM data_keys WHERE id = $1`, [match[1]]);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { kek_id: string; wrapped: Buffer }[];
  const key = await testKms().unwrap({ kekId: rows[0].kek_id, wrapped: rows[0].wrapped });
  return aeadOpen(key, Buffer.from(match[2], 'base64url')).toString('utf8');
}
