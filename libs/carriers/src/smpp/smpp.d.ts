// Minimal typings for the npm `smpp` package (it ships none): the parts this project uses.
declare module 'smpp' {
  import { EventEmitter } from 'node:events';

  export interface PDU {
    command: string;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    response(options?: Record<string, unknown>): PDU;
    isResponse(): boolean;
  }

  export class Session extends EventEmitter {
    constructor(options: Record<string, unknown>);
    send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    socket: import('node:net').Socket;
    [command: string]: unknown;
  }

  export class Server extends EventEmitter {
    listen(port: number, host?: string, callback?: () => void): this;
    close(callback?: (err?: Error) => void): this;
    address(): import('node:net').AddressInfo | string | null;
  }

  export const PDU: {
    new (command: string, options?: Record<string, unknown>): PDU;
    fromBuffer(buffer: Buffer): PDU | false;
  };
  export const errors: Record<string, number>;
  export const consts: Record<string, Record<string, number>>;
  export const encodings: Record<string, unknown>;
  export function connect(options: { host: string; port: number; [key: string]: unknown }, listener?: () => void): Session;
  export function createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server;
  export function createServer(listener?: (session: Session) => void): Server;
}
