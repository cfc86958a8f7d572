// Voice (text-to-speech) provider connector over HTTP/JSON: places a call that reads a text,
// and reads the call's status. Used for the voice fallback of messages that no SMS carrier
// could deliver. Errors are classified like any carrier's (classifyHttpStatus).
import { classified, classifyHttpStatus, ERRORS } from '@app/domain';
import { CarrierSubmitError } from '../carrier-submit-error';

export type VoiceCallStatus = 'ringing' | 'answered' | 'no_answer' | 'busy' | 'failed';
export const FINAL_VOICE_STATUSES: readonly VoiceCallStatus[] = ['answered', 'no_answer', 'busy', 'failed'];

export interface VoiceCallRequest {
  to: string;
  from: string;
  text: string;
}

export interface VoiceConnectorOptions {
  /** e.g. http://127.0.0.1:8090/voice */
  baseUrl: string;
  timeoutMs?: number;
}

export class VoiceConnector {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(options: VoiceConnectorOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async place(request: VoiceCallRequest): Promise<{ callId: string }> {
    const body = await this.request('POST', '/calls', request);
    return { callId: String(body.callId) };
  }

  async status(callId: string): Promise<VoiceCallStatus> {
    const body = await this.request('GET', `/calls/${encodeURIComponent(callId)}`);
    return body.status as VoiceCallStatus;
  }

  private async request(method: string, path: string, payload?: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: payload ? { 'content-type': 'application/json' } : {},
        body: payload ? JSON.stringify(payload) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason = `voice provider unreachable: ${(err as Error).message}`;
      throw new CarrierSubmitError(classified(ERRORS.carrierUnavailable, reason), reason);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new CarrierSubmitError(classifyHttpStatus(res.status), `voice provider answered HTTP ${res.status}`);
    }
    return (await res.json()) as Record<string, unknown>;
  }
}
