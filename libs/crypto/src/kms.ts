// The key-encryption-key (KEK) service behind envelope encryption: it wraps and unwraps data keys
// and never sees data. `LocalKms` keeps its KEKs in configuration (ENCRYPTION_KEKS, or one derived
// from SECRETS_KEY); a cloud KMS (AWS KMS Encrypt/Decrypt, GCP KMS, Vault transit) fits the same
// interface. Callers cache unwrapped data keys, so the KMS is called once per data key, not per row.
import { hkdfSync } from 'node:crypto';
import { aeadOpen, aeadSeal } from './aead';

export interface WrappedKey {
  /** Which KEK wrapped it (kept beside the wrapped key, so an old KEK still unwraps after rotation). */
  kekId: string;
  wrapped: Buffer;
}

export interface Kms {
  /** The KEK new data keys are wrapped with. */
  readonly currentKekId: string;
  wrap(dataKey: Buffer): Promise<WrappedKey>;
  unwrap(key: WrappedKey): Promise<Buffer>;
}

export class UnknownKekError extends Error {
  constructor(readonly kekId: string) {
    super(`data key is wrapped by KEK "${kekId}", which is not configured (ENCRYPTION_KEKS)`);
    this.name = 'UnknownKekError';
  }
}

/** The id of the KEK derived from SECRETS_KEY, used when ENCRYPTION_KEKS is unset (and always available to unwrap). */
export const SECRETS_DERIVED_KEK_ID = 'sk';

/** A KEK of its own derived from SECRETS_KEY (HKDF-SHA256), so one configured secret never serves two purposes directly. */
export function deriveKekFromSecretsKey(secretsKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secretsKey, 'base64'), Buffer.alloc(0), 'sms-aggregator data-key KEK v1', 32));
}

export class LocalKms implements Kms {
  readonly currentKekId: string;
  private readonly keks: Map<string, Buffer>;

  /** `keks`: id → 32-byte key, the current one first. */
  constructor(keks: [string, Buffer][]) {
    if (keks.length === 0) throw new Error('LocalKms needs at least one KEK');
    for (const [id, key] of keks) if (key.length !== 32) throw new Error(`KEK "${id}" must be 32 bytes`);
    this.keks = new Map(keks);
    this.currentKekId = keks[0][0];
  }

  async wrap(dataKey: Buffer): Promise<WrappedKey> {
    const kek = this.keks.get(this.currentKekId)!;
    return { kekId: this.currentKekId, wrapped: aeadSeal(kek, dataKey, Buffer.from(this.currentKekId)) };
  }

  async unwrap({ kekId, wrapped }: WrappedKey): Promise<Buffer> {
    const kek = this.keks.get(kekId);
    if (!kek) throw new UnknownKekError(kekId);
    return aeadOpen(kek, wrapped, Buffer.from(kekId));
  }
}
