// The codec server behind the Temporal Web UI: decodes (and encodes) Temporal payloads with the
// product's payload codec (libs/temporal/src/payload-codec.ts), for operators only.
import { Inject, Injectable } from '@nestjs/common';
import type { Payload } from '@temporalio/common';
import { ValidationError } from '@app/contracts';
import type { ApiConfig } from '@app/config';
import { LocalKms } from '@app/crypto';
import { EncryptionCodec } from '@app/temporal';
import { API_CONFIG } from '../tokens';
import { BASE64_PATTERN, CodecPayload } from './dto/codec-payloads.dto';

const BASE64 = new RegExp(BASE64_PATTERN);

@Injectable()
export class CodecService {
  private readonly codec: EncryptionCodec;

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    this.codec = new EncryptionCodec(new LocalKms(config.keks));
  }

  async decode(payloads: CodecPayload[]): Promise<CodecPayload[]> {
    const decoded: Payload[] = [];
    for (const [i, p] of fromJson(payloads).entries()) {
      try {
        decoded.push(...(await this.codec.decode([p])));
      } catch {
        throw new ValidationError('undecodable_payload', 'This payload was not encrypted by this deployment (or its KEK is no longer configured), or it was altered', `payloads[${i}]`);
      }
    }
    return decoded.map(toJson);
  }

  async encode(payloads: CodecPayload[]): Promise<CodecPayload[]> {
    return (await this.codec.encode(fromJson(payloads))).map(toJson);
  }
}

function bytes(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new ValidationError('invalid_base64', 'Must be a base64 string', field);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function fromJson(payloads: CodecPayload[]): Payload[] {
  return payloads.map((p, i) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, bytes(v, `payloads[${i}].metadata.${k}`)])),
    data: p.data === undefined ? undefined : bytes(p.data, `payloads[${i}].data`),
  }));
}

function toJson(p: Payload): CodecPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
    ...(p.data ? { data: Buffer.from(p.data).toString('base64') } : {}),
  };
}
