// The vocabulary of routing decisions: rules (stored versioned in PostgreSQL), the facts the
// caller knows about each carrier, the request, and the resulting plan. Everything under
// routing/ is pure and free of Node built-ins and libphonenumber-js, because workflow code
// imports parts of it (see workflows/send-message.workflow.ts): the caller resolves the number
// (country, network) and passes the result in.
export type MessagePriority = 'otp' | 'transactional' | 'marketing';
export const MESSAGE_PRIORITIES: readonly MessagePriority[] = ['otp', 'transactional', 'marketing'];
/** The same values as `SenderType` in ../phone (named apart: both are exported by @app/domain). */
export type RouteSenderType = 'alphanumeric' | 'long_code' | 'short_code';
export const ROUTE_SENDER_TYPES: readonly RouteSenderType[] = ['alphanumeric', 'long_code', 'short_code'];
export type RoutingStrategy = 'priority' | 'least_cost' | 'weighted' | 'quality';
export const ROUTING_STRATEGIES: readonly RoutingStrategy[] = ['priority', 'least_cost', 'weighted', 'quality'];

export interface RouteTarget {
  /** Listed in order: the order is the 'priority' strategy and every strategy's tie-breaker. */
  carrierId: string;
  /** Percentage, for the weighted strategy. */
  weight?: number;
}

export interface FailoverPolicy {
  /** Carrier attempts at most (SMS), before the voice fallback if any. */
  maxAttempts: number;
  /** How long to wait for a delivery receipt per attempt. */
  receiptWaitMs: number;
  /** Pause between attempts: exponential with jitter. */
  backoff: { initialMs: number; maxMs: number; multiplier: number };
  /** After every SMS attempt failed, read the message out in a voice call. */
  voiceFallback: boolean;
}

export interface RoutingRule {
  id: string;
  /** Match criteria, all optional: a rule with none is a default rule. */
  /** ISO 3166-1 alpha-2, e.g. ['US', 'CA']. */
  countries?: string[];
  /** E.164 digit prefixes without '+', e.g. ['1415', '44']. */
  prefixes?: string[];
  /** MCC+MNC, e.g. '310260': such a rule matches only messages whose network is known. */
  networks?: string[];
  priorities?: MessagePriority[];
  senderTypes?: RouteSenderType[];
  accountIds?: string[];
  strategy: RoutingStrategy;
  targets: RouteTarget[];
  policy?: Partial<FailoverPolicy>;
}

export interface CarrierFacts {
  carrierId: string;
  enabled: boolean;
  /** Price per segment by ISO country, '*' for elsewhere. */
  costs?: Record<string, number>;
  health?: {
    circuit: 'closed' | 'open' | 'half_open';
    /** 0..1 over the recent window, for this destination country. */
    deliveryRate?: number;
    receiptLatencyMs?: number;
    samples?: number;
  };
}

export interface RouteRequest {
  /** E.164 */
  to: string;
  /** ISO country of `to` (normalizeE164(to).country); absent for non-geographic numbers. */
  country?: string;
  /** MCC+MNC of the destination when a lookup knew it. */
  network?: string;
  priority: MessagePriority;
  senderType: RouteSenderType;
  accountId: string;
  segments: number;
}

export interface PlannedCandidate {
  carrierId: string;
  /** Why it is here, in this position: shown by /v1/routing/simulate. */
  reason: string;
  costPerSegment?: number;
  estimatedCost?: number;
  score?: number;
}

export interface RoutePlanDecision {
  ruleId: string;
  strategy: RoutingStrategy;
  candidates: PlannedCandidate[];
  skipped: { carrierId: string; reason: string }[];
  policy: FailoverPolicy;
}

export class NoRouteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoRouteError';
  }
}
