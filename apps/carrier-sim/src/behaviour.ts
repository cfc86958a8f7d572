// What a simulated carrier does, settable at start and through the control API.

export interface CarrierBehaviour {
  /** Share of submit_sm answered with submitErrorStatus (0..1). */
  submitErrorRate: number;
  submitErrorStatus: number;
  /** Share of submit_sm answered ESME_RTHROTTLED (0..1). */
  throttleRate: number;
  /** Shares of receipts that say UNDELIV / REJECTD / EXPIRED instead of DELIVRD. */
  undelivRate: number;
  rejectdRate: number;
  expiredRate: number;
  receiptDelayMs: number;
  /** false: never send receipts. */
  receiptsEnabled: boolean;
  /** true: refuse binds and drop existing connections. */
  down: boolean;
  /** Extra delay before each submit_sm_resp. */
  submitLatencyMs: number;
  /**
   * The receipt's `err:` for undelivered outcomes (a GSM MAP error, e.g. "001" unknown
   * subscriber); null = a typical one per outcome (UNDELIV 032, REJECTD/EXPIRED 000).
   */
  receiptErrorCode: string | null;
  /** 'first': a concatenated message gets a receipt for its first part only, as some SMSCs do. */
  multipartReceipts: 'each' | 'first';
}

export const DEFAULT_BEHAVIOUR: CarrierBehaviour = {
  submitErrorRate: 0,
  submitErrorStatus: 0x08,
  throttleRate: 0,
  undelivRate: 0,
  rejectdRate: 0,
  expiredRate: 0,
  receiptDelayMs: 200,
  receiptsEnabled: true,
  down: false,
  submitLatencyMs: 0,
  receiptErrorCode: null,
  multipartReceipts: 'each',
};

export class BehaviourError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const RATES = ['submitErrorRate', 'throttleRate', 'undelivRate', 'rejectdRate', 'expiredRate'] as const;
const DELAYS = ['receiptDelayMs', 'submitLatencyMs'] as const;
const FLAGS = ['receiptsEnabled', 'down'] as const;

/** Validates a partial behaviour (unknown fields and bad values are refused, naming the field). */
export function parseBehaviour(input: unknown): Partial<CarrierBehaviour> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new BehaviourError('', 'behaviour must be a JSON object');
  const out: Partial<CarrierBehaviour> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((RATES as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new BehaviourError(key, `${key} must be a number from 0 to 1`);
      out[key as (typeof RATES)[number]] = value;
    } else if ((DELAYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 3_600_000) throw new BehaviourError(key, `${key} must be an integer number of ms (0..3600000)`);
      out[key as (typeof DELAYS)[number]] = value;
    } else if ((FLAGS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') throw new BehaviourError(key, `${key} must be true or false`);
      out[key as (typeof FLAGS)[number]] = value;
    } else if (key === 'throttleStatusRate') {
      // Another name for throttleRate, as some callers spell it.
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new BehaviourError(key, `${key} must be a number from 0 to 1`);
      out.throttleRate = value;
    } else if (key === 'receiptErrorCode') {
      if (value !== null && (typeof value !== 'string' || !/^\d{3}$/.test(value))) throw new BehaviourError(key, 'receiptErrorCode must be three digits, e.g. "001", or null');
      out.receiptErrorCode = value;
    } else if (key === 'multipartReceipts') {
      if (value !== 'each' && value !== 'first') throw new BehaviourError(key, 'multipartReceipts must be "each" or "first"');
      out.multipartReceipts = value;
    } else if (key === 'submitErrorStatus') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 0xffffffff) throw new BehaviourError(key, 'submitErrorStatus must be a non-zero SMPP command_status');
      out.submitErrorStatus = value;
    } else {
      throw new BehaviourError(key, `unknown behaviour field "${key}"`);
    }
  }
  if ((out.undelivRate ?? 0) + (out.rejectdRate ?? 0) + (out.expiredRate ?? 0) > 1) throw new BehaviourError('undelivRate', 'undelivRate + rejectdRate + expiredRate must not exceed 1');
  return out;
}

/** A receipt outcome drawn by the behaviour's rates, with its `err` (the same for SMPP and HTTP carriers). */
export function drawReceipt(b: CarrierBehaviour, random: () => number): { stat: 'DELIVRD' | 'UNDELIV' | 'REJECTD' | 'EXPIRED'; err: string } {
  const r = random();
  const stat = r < b.undelivRate ? 'UNDELIV' : r < b.undelivRate + b.rejectdRate ? 'REJECTD' : r < b.undelivRate + b.rejectdRate + b.expiredRate ? 'EXPIRED' : 'DELIVRD';
  // 032 (SM delivery failure) is a retryable GSM MAP error; receiptErrorCode picks another.
  const err = stat === 'DELIVRD' ? '000' : (b.receiptErrorCode ?? (stat === 'UNDELIV' ? '032' : '000'));
  return { stat, err };
}
