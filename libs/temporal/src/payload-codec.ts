// Every workflow and activity payload (inputs, results, signals, queries, updates, memos) is
// encrypted before it leaves the process, so Temporal's history holds no phone number, URL or
// text in clear. Envelope encryption as at rest: a data key made per process seals the payloads
// (AES-256-GCM over the serialized Payload), and rides in each payload's metadata wrapped by the
// KEK (Kms), with the KEK's id. Decoding unwraps each data key once and caches it. Payloads
// without the encrypted encoding (histories from before, recorded test histories) pass through.
// The same codec serves the codec endpoint the Temporal Web UI decodes through (apps/api/src/codec).
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { aeadOpen, aeadSeal, generateDataKey, Kms } from '@app/crypto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEK_ID_KEY = 'encryption-kek-id';
const DATA_KEY_KEY = 'encryption-data-key';
const MAX_CACHED_KEYS = 1000;

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

export class EncryptionCodec implements PayloadCodec {
  private current?: Promise<{ key: Buffer; kekId: Uint8Array; wrapped: Uint8Array }>;
  private readonly unwrapped = new Map<string, Promise<Buffer>>();

  constructor(private readonly kms: Kms) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { key, kekId, wrapped } = await this.dataKey();
    return payloads.map((payload) => ({
      metadata: { encoding: text(ENCRYPTED_ENCODING), [KEK_ID_KEY]: kekId, [DATA_KEY_KEY]: wrapped },
      data: aeadSeal(key, Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish())),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        if (str(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
        const kekId = str(payload.metadata?.[KEK_ID_KEY]);
        const wrapped = payload.metadata?.[DATA_KEY_KEY];
        if (!kekId || !wrapped || !payload.data) throw new Error('encrypted payload without its key metadata');
        const key = await this.unwrap(kekId, wrapped);
        return temporal.api.common.v1.Payload.decode(aeadOpen(key, Buffer.from(payload.data))) as Payload;
      }),
    );
  }

  private dataKey() {
    this.current ??= (async () => {
      const key = generateDataKey();
      const wrapped = await this.kms.wrap(key);
      return { key, kekId: text(wrapped.kekId), wrapped: new Uint8Array(wrapped.wrapped) };
    })();
    return this.current;
  }

  private unwrap(kekId: string, wrapped: Uint8Array): Promise<Buffer> {
    const cacheKey = `${kekId}:${Buffer.from(wrapped).toString('base64')}`;
    let key = this.unwrapped.get(cacheKey);
    if (!key) {
      if (this.unwrapped.size >= MAX_CACHED_KEYS) this.unwrapped.clear();
      key = this.kms.unwrap({ kekId, wrapped: Buffer.from(wrapped) });
      key.catch(() => this.unwrapped.delete(cacheKey));
      this.unwrapped.set(cacheKey, key);
    }
    return key;
  }
}

/** The data converter of every Temporal client and worker of the product. */
export function encryptedDataConverter(kms: Kms): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(kms)] };
}

/**
 * A copy of a history (or any proto object) with every encrypted payload in it decoded: what an
 * operator reads through the codec endpoint, and how recorded test histories are kept (in clear,
 * so replay needs no key).
 */
export async function decodePayloadsDeep<T>(value: T, codec: PayloadCodec): Promise<T> {
  const walk = async (v: unknown): Promise<unknown> => {
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
    if (Array.isArray(v)) return Promise.all(v.map(walk));
    const o = v as Record<string, unknown>;
    const encoding = (o.metadata as Record<string, Uint8Array> | undefined)?.encoding;
    if (encoding && ArrayBuffer.isView(encoding) && str(encoding) === ENCRYPTED_ENCODING) return (await codec.decode([o as Payload]))[0];
    const out: Record<string, unknown> = Array.isArray(v) ? [] : Object.create(Object.getPrototypeOf(o));
    for (const [k, child] of Object.entries(o)) out[k] = await walk(child);
    return out;
  };
  return (await walk(value)) as T;
}
