// The vocabulary of routing decisions: rules (stored versioned in PostgreSQL), the facts the
// caller knows about each carrier, the request, and the resulting plan.
export type MessagePriority = 'otp' | 'transactional' | 'marketing';
export const MESSAGE_PRIORITIES: readonly MessagePriority[] = ['otp', 'transactional', 'marketing'];
export type RouteSenderType = 'alphanumeric' | 'long_code' | 'short_code';
export type RoutingStrategy = 'priority' | 'least_cost' | 'weighted' | 'quality';
export const ROUTING_STRATEGIES: readonly RoutingStrategy[] = ['priority', 'least_cost', 'weighted', 'quality'];

export interface RouteTarget {
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
  countries?: string[];
  prefixes?: string[];
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
  country?: string;
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
