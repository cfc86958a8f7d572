// A simulated voice (text-to-speech) provider, for the voice fallback of messages: a call is
// placed over HTTP, "rings" for `ringMs`, and ends with the configured outcome.
import { randomBytes } from 'node:crypto';

export type VoiceOutcome = 'answered' | 'no_answer' | 'busy' | 'failed';
export const VOICE_OUTCOMES: readonly VoiceOutcome[] = ['answered', 'no_answer', 'busy', 'failed'];

export interface VoiceBehaviour {
  outcome: VoiceOutcome;
  ringMs: number;
}

export interface VoiceCall {
  callId: string;
  to: string;
  from: string;
  text: string;
  status: 'ringing' | VoiceOutcome;
  createdAt: number;
  endedAt: number | null;
}

export class VoiceProvider {
  behaviour: VoiceBehaviour = { outcome: 'answered', ringMs: 300 };
  readonly calls = new Map<string, VoiceCall>();
  private readonly timers = new Set<NodeJS.Timeout>();

  place(to: string, from: string, text: string): VoiceCall {
    const call: VoiceCall = { callId: randomBytes(8).toString('hex'), to, from, text, status: 'ringing', createdAt: Date.now(), endedAt: null };
    this.calls.set(call.callId, call);
    const { outcome, ringMs } = this.behaviour;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      call.status = outcome;
      call.endedAt = Date.now();
    }, ringMs);
    this.timers.add(timer);
    return call;
  }

  reset(): void {
    this.behaviour = { outcome: 'answered', ringMs: 300 };
    this.calls.clear();
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
