// The one small interface every carrier connector implements (SMPP today; HTTP and voice
// connectors go in sibling folders with the same file names).
import type { ReceiptState } from '@app/contracts';

export interface OutboundSms {
  messageId: string;
  from: string;
  to: string;
  body: string;
  registeredDelivery: boolean;
}

export interface SubmitAccepted {
  carrierMessageId: string;
  partIds?: string[];
}

export interface InboundReceipt {
  carrierId: string;
  carrierMessageId: string;
  state: ReceiptState;
  errorCode: string;
  rawText: string;
}

/** A mobile-originated message (two-way messaging), or one part of a concatenated one. */
export interface InboundMessage {
  carrierId: string;
  from: string;
  to: string;
  body: string;
  /** The carrier's id for this MO when it gives one (HTTP `moId`, SMPP `receipted_message_id`): retries carry the same. */
  carrierMoId?: string;
  /** A part of a concatenated MO (UDH IE 0x00/0x08 or SAR TLVs): the text of this part only. */
  part?: { reference: number; total: number; sequence: number };
}

/**
 * - `bound`: submits go out.
 * - `connecting`: not bound; an attempt is under way or the last one failed on the network.
 * - `down`: not bound; the carrier refused the last attempt (credentials, policy). Still retrying.
 * - `closed`: not started yet, or closed.
 */
export type BindState = 'bound' | 'connecting' | 'down' | 'closed';

export interface ConnectorStatus {
  carrierId: string;
  state: BindState;
  /** ISO time of the last state change. */
  since: string;
  /** Why the link last went down or a bind failed; cleared by a successful bind. */
  lastError?: string;
  /** Submits sent and awaiting the carrier's answer. */
  outstanding: number;
  /** Submits waiting for a bind or a free window slot. */
  queued: number;
}

export interface CarrierConnector {
  readonly carrierId: string;
  /** Starts connecting in the background; reconnects until close(). */
  start(): void;
  /**
   * Resolves with the carrier's message id (of the first part) and, for a text sent as
   * several concatenated submits, every part's id in order; rejects with a CarrierSubmitError.
   */
  submit(sms: OutboundSms): Promise<SubmitAccepted>;
  /** The carrier sends a delivery receipt for the first part of a concatenated message only. */
  readonly receiptsForFirstPartOnly?: boolean;
  /** The handler is awaited before the carrier's receipt is acknowledged; if it throws, it is not. */
  onReceipt(handler: (receipt: InboundReceipt) => Promise<void>): void;
  onInbound(handler: (message: InboundMessage) => Promise<void>): void;
  status(): ConnectorStatus;
  /** Paces submits on this connection to at most `maxTps` per second (null: no pacing). */
  setMaxTps(maxTps: number | null): void;
  /** Unbinds, fails queued and outstanding submits as unavailable and stops every timer. */
  close(): Promise<void>;
}
