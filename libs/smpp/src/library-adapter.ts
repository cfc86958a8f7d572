// Adapts the npm `smpp` library (PDU framing and parameters) to a server that must be exact.
//
// 1. User data as octets. The library decodes short_message and message_payload into text with
//    its own tables (data_coding 1 read as GSM, unknown codings left as bytes, UDH split off).
//    The gateway needs the octets themselves to apply TS 23.038 exactly (libs/domain
//    smpp-user-data) and to reassemble concatenated parts at the octet level, so the decode
//    filter of those fields is replaced by one that keeps the Buffer. Only the customer gateway
//    calls installLibraryAdapter() (it changes the library for the whole process); the carrier
//    connector and the simulator keep the library's decoding. Encoding is unchanged (we always pass Buffers).
// 2. Malformed PDUs. When a PDU cannot be parsed the library emits a bare Error and stops
//    reading the socket. Parsing is wrapped so the error carries the PDU's header (command_id
//    and sequence_number, for the generic_nack) and whether the stream is still framed.
import * as smpp from 'smpp';

export class MalformedPduError extends Error {
  constructor(
    message: string,
    readonly commandId: number,
    readonly sequenceNumber: number,
    /** The whole PDU was consumed: the next one starts at the right byte, the session can go on. */
    readonly framed: boolean,
  ) {
    super(message);
    this.name = 'MalformedPduError';
  }
}

type Filter = { encode(this: unknown, value: unknown): unknown; decode(this: unknown, value: unknown, skipUdh?: boolean): unknown };
interface MutableDefs {
  commands: Record<string, { params?: Record<string, { filter?: Filter }> }>;
  tlvs: Record<string, { filter?: Filter }>;
  PDU: { fromStream(stream: unknown, commandLength: number): unknown; maxLength: number };
}

let installed = false;

export function installLibraryAdapter(): void {
  if (installed) return;
  installed = true;
  const defs = smpp as unknown as MutableDefs;
  const original = defs.tlvs.message_payload.filter!;
  const keepOctets: Filter = {
    encode(value) {
      return Buffer.isBuffer(value) ? value : original.encode.call(this, value);
    },
    decode(value) {
      return value;
    },
  };
  for (const command of ['submit_sm', 'submit_multi', 'data_sm', 'replace_sm']) {
    const param = defs.commands[command]?.params?.short_message;
    if (param) param.filter = keepOctets;
  }
  defs.tlvs.message_payload.filter = keepOctets;

  const PDU = defs.PDU;
  PDU.fromStream = function fromStream(stream: { read(n: number): Buffer | null }, commandLength: number) {
    if (commandLength < 16) {
      throw new MalformedPduError(`command_length ${commandLength} is shorter than a PDU header (16)`, 0, 0, false);
    }
    const body = stream.read(commandLength - 4);
    if (!body) return false;
    const buffer = Buffer.concat([Buffer.alloc(4), body]);
    buffer.writeUInt32BE(commandLength, 0);
    try {
      return new (smpp.PDU as unknown as new (b: Buffer) => unknown)(buffer);
    } catch (err) {
      throw new MalformedPduError(`PDU could not be parsed: ${(err as Error).message}`, buffer.readUInt32BE(4), buffer.readUInt32BE(12), true);
    }
  };
}

/** The user data of a PDU as octets (after installLibraryAdapter): short_message, else message_payload. */
export function userDataOf(pdu: smpp.PDU): { octets: Buffer; inPayload: boolean; both: boolean } {
  const short = Buffer.isBuffer(pdu.short_message) ? pdu.short_message : Buffer.alloc(0);
  const payload = Buffer.isBuffer(pdu.message_payload) ? pdu.message_payload : undefined;
  if (payload) return { octets: payload, inPayload: true, both: short.length > 0 };
  return { octets: short, inPayload: false, both: false };
}
