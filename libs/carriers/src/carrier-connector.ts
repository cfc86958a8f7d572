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

export interface InboundReceipt {
  carrierId: string;
  carrierMessageId: string;
  state: ReceiptState;
  errorCode: string;
  rawText: string;
}

/** A mobile-originated message (used by two-way messaging). */
export interface InboundMessage {
  carrierId: string;
  from: string;
  to: string;
  body: string;
}

export type BindState = 'bound' | 'connecting' | 'down' | 'closed';

export interface ConnectorStatus {
  carrierId: string;
  state: BindState;
  since: string;
  lastError?: string;
  outstanding: number;
  queued: number;
}

export interface CarrierConnector {
  readonly carrierId: string;
  /** Starts connecting in the background; reconnects until close(). */
  start(): void;
  /** Throws CarrierSubmitError. */
  submit(sms: OutboundSms): Promise<{ carrierMessageId: string }>;
  /** The handler is awaited before the carrier's receipt is acknowledged; if it throws, it is not. */
  onReceipt(handler: (receipt: InboundReceipt) => Promise<void>): void;
  onInbound(handler: (message: InboundMessage) => Promise<void>): void;
  status(): ConnectorStatus;
  close(): Promise<void>;
}
