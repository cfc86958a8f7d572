// Encryption at rest for bodies and receipt texts: the one place that seals and opens them.
// Envelope encryption: a data key (AES-256-GCM) seals values in the application; the data key is
// stored in `data_keys` wrapped by a KEK behind the Kms interface (@app/crypto), and cached here
// unwrapped, so the KMS is called once per data key and process, never per row. A sealed value is
// `enc1:<data key id>:<base64url(iv|ciphertext|tag)>`; a value without that prefix is a row written
// before encryption existed and is returned as it is (`npm run keys:rewrap` seals those).
// Repositories reach the keyring of their DataSource with `keyringOf(db)`.
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { aeadOpen, aeadSeal, generateDataKey, Kms } from '@app/crypto';

const PREFIX = 'enc1:';

export class DataKeyring {
  private readonly keys = new Map<string, Buffer>();
  private readonly loading = new Map<string, Promise<Buffer>>();

  private constructor(
    private readonly db: DataSource,
    private readonly kms: Kms,
    private currentId: string,
  ) {}

  /** The newest data key wrapped by the current KEK, made (and stored wrapped) when there is none. */
  static async load(db: DataSource, kms: Kms): Promise<DataKeyring> {
    const rows: { id: string; kek_id: string; wrapped: Buffer }[] = await db.query(
      `SELECT id, kek_id, wrapped FROM data_keys WHERE kek_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [kms.currentKekId],
    );
    if (rows[0]) {
      const ring = new DataKeyring(db, kms, rows[0].id);
      ring.keys.set(rows[0].id, await kms.unwrap({ kekId: rows[0].kek_id, wrapped: rows[0].wrapped }));
      return ring;
    }
    const key = generateDataKey();
    const wrapped = await kms.wrap(key);
    const id = randomBytes(8).toString('hex');
    await db.query(`INSERT INTO data_keys (id, kek_id, wrapped) VALUES ($1, $2, $3)`, [id, wrapped.kekId, wrapped.wrapped]);
    const ring = new DataKeyring(db, kms, id);
    ring.keys.set(id, key);
    return ring;
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  seal(plaintext: string): string {
    const sealed = aeadSeal(this.keys.get(this.currentId)!, Buffer.from(plaintext, 'utf8'));
    return `${PREFIX}${this.currentId}:${sealed.toString('base64url')}`;
  }

  sealNullable(plaintext: string | null | undefined): string | null {
    return plaintext === null || plaintext === undefined ? null : this.seal(plaintext);
  }

  async open(value: string): Promise<string>;
  async open(value: string | null): Promise<string | null>;
  async open(value: string | null): Promise<string | null> {
    if (value === null || !value.startsWith(PREFIX)) return value;
    const sep = value.indexOf(':', PREFIX.length);
    if (sep < 0) throw new Error('malformed sealed value');
    const id = value.slice(PREFIX.length, sep);
    const key = this.keys.get(id) ?? (await this.fetch(id));
    return aeadOpen(key, Buffer.from(value.slice(sep + 1), 'base64url')).toString('utf8');
  }

  /** seal() for bytes (bytea columns): `enc1:<id>:` then iv|ciphertext|tag. */
  sealBytes(plain: Uint8Array): Buffer {
    return Buffer.concat([Buffer.from(`${PREFIX}${this.currentId}:`), aeadSeal(this.keys.get(this.currentId)!, Buffer.from(plain))]);
  }

  async openBytes(value: Buffer): Promise<Buffer> {
    if (value.subarray(0, PREFIX.length).toString('latin1') !== PREFIX) return value;
    const sep = value.indexOf(':', PREFIX.length);
    if (sep < 0) throw new Error('malformed sealed value');
    const id = value.subarray(PREFIX.length, sep).toString('latin1');
    return aeadOpen(this.keys.get(id) ?? (await this.fetch(id)), value.subarray(sep + 1));
  }

  /** A copy of `obj` with the named string fields sealed (for JSON outbox payloads: the rest stays readable to SQL). */
  sealFields<T extends object>(obj: T, fields: readonly string[]): T {
    const out = { ...obj } as Record<string, unknown>;
    for (const f of fields) if (typeof out[f] === 'string') out[f] = this.seal(out[f] as string);
    return out as T;
  }

  async openFields<T extends object>(obj: T, fields: readonly string[]): Promise<T> {
    const out = { ...obj } as Record<string, unknown>;
    for (const f of fields) if (typeof out[f] === 'string') out[f] = await this.open(out[f] as string);
    return out as T;
  }

  /** A data key another process made (or one from before a rotation): read, unwrapped and cached once. */
  private fetch(id: string): Promise<Buffer> {
    let pending = this.loading.get(id);
    if (!pending) {
      pending = (async () => {
        const rows: { kek_id: string; wrapped: Buffer }[] = await this.db.query(`SELECT kek_id, wrapped FROM data_keys WHERE id = $1`, [id]);
        if (!rows[0]) throw new Error(`data key ${id} is not in data_keys`);
        const key = await this.kms.unwrap({ kekId: rows[0].kek_id, wrapped: rows[0].wrapped });
        this.keys.set(id, key);
        return key;
      })().finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }
}

/**
 * Rotation: every data key not wrapped by the current KEK is unwrapped (with the KEK that wrapped
 * it, still configured) and wrapped again by the current one. Rows sealed with those data keys are
 * untouched and stay readable throughout; afterwards the old KEK can be dropped from ENCRYPTION_KEKS
 * (once Temporal histories encrypted under it have passed the namespace retention). `fromKekId`:
 * only the data keys of that KEK.
 */
export async function rewrapDataKeys(db: DataSource, kms: Kms, { fromKekId }: { fromKekId?: string } = {}): Promise<{ rewrapped: number }> {
  const rows: { id: string; kek_id: string; wrapped: Buffer }[] = await db.query(`SELECT id, kek_id, wrapped FROM data_keys WHERE kek_id <> $1 AND ($2::text IS NULL OR kek_id = $2)`, [
    kms.currentKekId,
    fromKekId ?? null,
  ]);
  for (const row of rows) {
    const wrapped = await kms.wrap(await kms.unwrap({ kekId: row.kek_id, wrapped: row.wrapped }));
    await db.query(`UPDATE data_keys SET kek_id = $2, wrapped = $3, rewrapped_at = now() WHERE id = $1 AND kek_id = $4`, [row.id, wrapped.kekId, wrapped.wrapped, row.kek_id]);
  }
  return { rewrapped: rows.length };
}

const KEYRINGS = new WeakMap<DataSource, DataKeyring>();

export function attachKeyring(db: DataSource, keyring: DataKeyring): void {
  KEYRINGS.set(db, keyring);
}

/** The keyring of the DataSource (opened with `openDatabase(url, { kms })`). */
export function keyringOf(db: DataSource | EntityManager): DataKeyring {
  const source = db instanceof DataSource ? db : db.connection;
  const ring = KEYRINGS.get(source);
  if (!ring) throw new Error('this database connection was opened without a KMS (openDatabase(url, { kms })): it cannot read or write message bodies');
  return ring;
}

/** Columns holding bodies (text), sealed at rest; rows from before encryption are sealed by sealPlaintextRows. */
const SEALED_TEXT_COLUMNS: { table: string; column: string }[] = [
  { table: 'messages', column: 'body' },
  { table: 'inbound_messages', column: 'body' },
  { table: 'inbound_parts', column: 'body' },
  { table: 'carrier_receipts', column: 'raw_text' },
];

/** Seals, in batches, the bodies stored before encryption existed (upgrades); returns how many per table. */
export async function sealPlaintextRows(db: DataSource, batchSize = 500): Promise<Record<string, number>> {
  const keyring = keyringOf(db);
  const counts: Record<string, number> = {};
  for (const { table, column } of SEALED_TEXT_COLUMNS) {
    counts[table] = 0;
    for (;;) {
      const rows: { ctid: string; value: string }[] = await db.query(`SELECT ctid::text AS ctid, ${column} AS value FROM ${table} WHERE ${column} NOT LIKE '${PREFIX}%' LIMIT $1`, [batchSize]);
      if (rows.length === 0) break;
      await db.query(
        `UPDATE ${table} t SET ${column} = u.sealed FROM unnest($1::tid[], $2::text[], $3::text[]) AS u(ctid, plain, sealed) WHERE t.ctid = u.ctid AND t.${column} = u.plain`,
        [rows.map((r) => r.ctid), rows.map((r) => r.value), rows.map((r) => keyring.seal(r.value))],
      );
      counts[table] += rows.length;
    }
  }
  return counts;
}
