// The webhook sender's pure parts: the backoff with jitter, and what an egress outcome means for a webhook.
import { tryResult, webhookBackoffMs } from './status-callback-sender.service';

const backoff = { retryBaseMs: 2000, retryMaxMs: 600_000 };

it('doubles from the base up to the cap, each wait drawn between half and all of it', () => {
  expect([1, 2, 3, 4].map((n) => webhookBackoffMs(n, 2000, 600_000, () => 1))).toEqual([2000, 4000, 8000, 16000]);
  expect(webhookBackoffMs(1, 2000, 600_000, () => 0)).toBe(1000);
  expect(webhookBackoffMs(30, 2000, 600_000, () => 1)).toBe(600_000);
  expect(webhookBackoffMs(30, 2000, 600_000, () => 0)).toBe(300_000);
});

it('retries 5xx, 408/429 and unreachable endpoints; a redirect, another 4xx or a refused URL is final', () => {
  expect(tryResult({ kind: 'delivered', status: 204 }, 1, backoff)).toEqual({ kind: 'delivered', httpStatus: 204 });
  expect(tryResult({ kind: 'rejected', status: 503, statusClass: '5xx', retry: true }, 1, backoff)).toMatchObject({ kind: 'retry', httpStatus: 503, error: 'status callback answered HTTP 5xx' });
  expect(tryResult({ kind: 'unreachable', retry: true }, 3, backoff)).toMatchObject({ kind: 'retry', httpStatus: null, error: 'status callback endpoint unreachable' });
  const third = tryResult({ kind: 'unreachable', retry: true }, 3, backoff);
  expect(third.kind === 'retry' && third.backoffMs >= 4000 && third.backoffMs <= 8000).toBe(true);
  expect(tryResult({ kind: 'rejected', status: 410, statusClass: '4xx', retry: false }, 1, backoff)).toEqual({ kind: 'final', httpStatus: 410, error: 'status callback answered HTTP 4xx' });
  expect(tryResult({ kind: 'unreachable', retry: true }, 1, backoff, 'inbound webhook')).toMatchObject({ error: 'inbound webhook endpoint unreachable' });
  expect(tryResult({ kind: 'refused', reason: 'must be an http(s) URL', retry: false }, 1, backoff)).toEqual({ kind: 'final', httpStatus: null, error: 'status callback URL refused: must be an http(s) URL' });
});
