// Minimal typings for the npm `smpp` package 0.5.x (it ships none): the parts this project uses.
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  /**
   * A decoded PDU: header fields plus one property per mandatory parameter and TLV, named as
   * in SMPP 3.4 (short_message, message_payload, receipted_message_id…). Text parameters
   * decode to `{ message: string | Buffer; udh?: Buffer[] }`.
   */
  export interface PDU {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    response(options?: Record<string, unknown>): PDU;
    isResponse(): boolean;
    toBuffer(): Buffer;
  }

  type ResponseCallback = (pdu: PDU) => void;
  /** Sends a PDU of that command; false when the socket is not writable (then nothing is sent). */
  type CommandShortcut = {
    (options: Record<string, unknown>, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
    (responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
  };

  export class Session extends EventEmitter {
    constructor(options: Record<string, unknown>);
    readonly socket: Socket;
    /** Response callbacks by sequence_number; never called or cleared when the socket closes. */
    _callbacks: Record<number, ResponseCallback>;
    send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    bind_transceiver: CommandShortcut;
    enquire_link: CommandShortcut;
    unbind: CommandShortcut;
    submit_sm: CommandShortcut;
    deliver_sm: CommandShortcut;
  }

  export class Server extends NetServer {
    readonly sessions: Session[];
  }

  export const PDU: {
    new (command: string, options?: Record<string, unknown>): PDU;
    fromBuffer(buffer: Buffer): PDU | false;
    maxLength: number;
  };
  export const errors: Record<string, number>;
  export const commands: Record<string, { id: number; command: string }>;
  export const consts: Record<string, Record<string, number>>;
  export const encodings: Record<string, { match(value: string): boolean; encode(value: string): Buffer; decode(value: Buffer): string }> & {
    default: string;
  };
  export function connect(options: { host: string; port: number; [key: string]: unknown }, listener?: () => void): Session;
  export function createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server;
  export function createServer(listener?: (session: Session) => void): Server;
}
