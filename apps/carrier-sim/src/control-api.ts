// HTTP control API of the simulator: tests and demos set each carrier's behaviour and read
// what it received. JSON in, JSON out; errors as { error: { code, message, field? } }. With a
// certificate the same routes are also served over HTTPS (HTTP carriers that require TLS).
import http from 'node:http';
import https from 'node:https';
import type { TlsIdentity } from '@app/config';
import { BehaviourError, parseBehaviour } from './behaviour';
import { HttpCarrier } from './http-carrier';
import { Smsc } from './smsc';
import { VOICE_OUTCOMES, VoiceOutcome, VoiceProvider } from './voice-provider';

type Answer = { status: number; body: unknown };
const error = (status: number, code: string, message: string, field?: string): Answer => ({ status, body: { error: { code, message, ...(field ? { field } : {}) } } });

export type SimCarrier = Smsc | HttpCarrier;

function view(carrier: SimCarrier) {
  const where = carrier instanceof HttpCarrier ? { type: 'http', path: `/http/${carrier.config.id}/messages` } : { type: 'smpp', smppPort: carrier.port };
  return { id: carrier.config.id, ...where, behaviour: carrier.behaviour, counters: { ...carrier.counters, receiptsQueued: carrier.receiptsQueued } };
}

async function httpCarrierRoute(carrier: HttpCarrier | undefined, req: http.IncomingMessage, parts: string[]): Promise<Answer> {
  if (!carrier || req.method !== 'POST' || parts[2] !== 'messages' || parts.length !== 3) return error(404, 'not_found', `no route ${req.method} /${parts.join('/')}`);
  if (!carrier.authorized(req.headers.authorization)) return error(401, 'unauthorized', 'a valid Bearer token is required');
  let input: unknown;
  try {
    input = await readJson(req);
  } catch {
    return error(400, 'invalid_json', 'The request body is not valid JSON');
  }
  if (typeof input !== 'object' || input === null) return error(400, 'invalid_json', 'The body must be a JSON object');
  return carrier.submit(input as Record<string, unknown>);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

async function voiceRoute(voice: VoiceProvider, req: http.IncomingMessage, parts: string[]): Promise<Answer> {
  const body = async (): Promise<Record<string, unknown> | Answer> => {
    try {
      const value = await readJson(req);
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : error(400, 'invalid_json', 'The body must be a JSON object');
    } catch {
      return error(400, 'invalid_json', 'The request body is not valid JSON');
    }
  };
  const action = `${req.method} ${parts.slice(1).join('/')}`;
  if (action === 'POST calls') {
    const input = await body();
    if ('status' in input && 'body' in input) return input as Answer;
    for (const field of ['to', 'from', 'text']) if (typeof input[field] !== 'string' || !input[field]) return error(400, 'invalid_field', `${field} is required`, field);
    const call = voice.place(input.to as string, input.from as string, input.text as string);
    return { status: 201, body: call };
  }
  if (req.method === 'GET' && parts[1] === 'calls' && parts[2]) {
    const call = voice.calls.get(parts[2]);
    return call ? { status: 200, body: call } : error(404, 'call_not_found', `no call ${parts[2]}`);
  }
  if (req.method === 'GET' && parts[1] === 'calls') return { status: 200, body: [...voice.calls.values()] };
  if (action === 'PATCH behaviour') {
    const input = await body();
    if ('status' in input && 'body' in input) return input as Answer;
    if (input.outcome !== undefined && !VOICE_OUTCOMES.includes(input.outcome as VoiceOutcome)) return error(400, 'invalid_behaviour', `outcome must be one of ${VOICE_OUTCOMES.join(', ')}`, 'outcome');
    if (input.ringMs !== undefined && (typeof input.ringMs !== 'number' || !Number.isInteger(input.ringMs) || input.ringMs < 0 || input.ringMs > 600_000)) return error(400, 'invalid_behaviour', 'ringMs must be an integer number of ms', 'ringMs');
    voice.behaviour = { ...voice.behaviour, ...(input as Partial<typeof voice.behaviour>) };
    return { status: 200, body: voice.behaviour };
  }
  if (action === 'POST reset') {
    voice.reset();
    return { status: 200, body: voice.behaviour };
  }
  return error(404, 'not_found', `no route ${req.method} /voice/${parts.slice(1).join('/')}`);
}

/**
 * A simulated number-lookup (HLR/MNP) service: GET /lookup/:e164 → { network, ported }; the
 * answers are set with PATCH /lookup/numbers { "+14155550100": "310260" } (null removes).
 */
async function lookupRoute(numbers: Map<string, string>, req: http.IncomingMessage, parts: string[]): Promise<Answer> {
  if (req.method === 'GET' && parts.length === 2) {
    const network = numbers.get(decodeURIComponent(parts[1]));
    return network ? { status: 200, body: { network, ported: true } } : error(404, 'unknown_number', 'no network known for this number');
  }
  if (req.method === 'PATCH' && parts[1] === 'numbers') {
    let input: unknown;
    try {
      input = await readJson(req);
    } catch {
      return error(400, 'invalid_json', 'The request body is not valid JSON');
    }
    for (const [e164, network] of Object.entries(input as Record<string, unknown>)) {
      if (network === null) numbers.delete(e164);
      else if (typeof network === 'string' && /^\d{5,6}$/.test(network)) numbers.set(e164, network);
      else return error(400, 'invalid_field', 'networks are MCC+MNC digits, or null to remove', e164);
    }
    return { status: 200, body: Object.fromEntries(numbers) };
  }
  if (req.method === 'POST' && parts[1] === 'reset') {
    numbers.clear();
    return { status: 200, body: {} };
  }
  return error(404, 'not_found', `no route ${req.method} /${parts.join('/')}`);
}

export function createControlServer(carriers: Map<string, SimCarrier>, voice: VoiceProvider, { numbers = new Map<string, string>(), tls }: { numbers?: Map<string, string>; tls?: TlsIdentity } = {}): http.Server {
  const route = async (req: http.IncomingMessage, url: URL): Promise<Answer> => {
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && url.pathname === '/health') return { status: 200, body: { status: 'ok' } };
    if (parts[0] === 'voice') return voiceRoute(voice, req, parts);
    if (parts[0] === 'lookup') return lookupRoute(numbers, req, parts);
    if (parts[0] === 'http') {
      const carrier = carriers.get(parts[1] ?? '');
      return httpCarrierRoute(carrier instanceof HttpCarrier ? carrier : undefined, req, parts);
    }
    if (parts[0] !== 'carriers') return error(404, 'not_found', `no route ${req.method} ${url.pathname}`);
    if (parts.length === 1 && req.method === 'GET') return { status: 200, body: [...carriers.values()].map(view) };
    const smsc = carriers.get(parts[1] ?? '');
    if (!smsc) return error(404, 'carrier_not_found', `no carrier ${parts[1]}`);
    const action = `${req.method} ${parts.slice(2).join('/')}`;
    switch (action) {
      case 'GET ':
        return { status: 200, body: view(smsc) };
      case 'PATCH behaviour': {
        let input: unknown;
        try {
          input = await readJson(req);
        } catch {
          return error(400, 'invalid_json', 'The request body is not valid JSON');
        }
        try {
          smsc.setBehaviour(parseBehaviour(input));
        } catch (err) {
          if (err instanceof BehaviourError) return error(400, 'invalid_behaviour', err.message, err.field || undefined);
          throw err;
        }
        return { status: 200, body: view(smsc) };
      }
      case 'POST inbound': {
        // A handset sends a message to one of our numbers through this carrier: SMPP carriers
        // send deliver_sm (several parts for a long text), HTTP carriers POST it to the worker.
        let input: { from?: unknown; to?: unknown; text?: unknown; moId?: unknown; concatenation?: unknown; parts?: unknown; url?: unknown };
        try {
          input = (await readJson(req)) as typeof input;
        } catch {
          return error(400, 'invalid_json', 'The request body is not valid JSON');
        }
        for (const field of ['from', 'to', 'text'] as const) {
          if (typeof input?.[field] !== 'string' || input[field] === '') return error(400, 'invalid_field', `${field} must be a non-empty string`, field);
        }
        if (input.moId !== undefined && (typeof input.moId !== 'string' || input.moId === '')) return error(400, 'invalid_field', 'moId must be a non-empty string', 'moId');
        const mo = { from: input.from as string, to: input.to as string, text: input.text as string, moId: input.moId as string | undefined };
        if (smsc instanceof HttpCarrier) {
          if (input.url !== undefined && typeof input.url !== 'string') return error(400, 'invalid_field', 'url must be a string', 'url');
          const sent = smsc.sendInbound(mo, (input.url as string | undefined) ?? smsc.config.inboundUrl);
          return 'error' in sent ? error(400, 'no_inbound_url', sent.error, 'url') : { status: 202, body: sent };
        }
        if (input.concatenation !== undefined && !['udh8', 'sar', 'payload'].includes(input.concatenation as string)) {
          return error(400, 'invalid_field', 'concatenation must be udh8, sar or payload', 'concatenation');
        }
        if (input.parts !== undefined && (!Array.isArray(input.parts) || !input.parts.every((p) => Number.isInteger(p) && p >= 1))) {
          return error(400, 'invalid_field', 'parts must be an array of part numbers', 'parts');
        }
        try {
          const sent = smsc.sendInbound({ ...mo, concatenation: input.concatenation as 'udh8' | 'sar' | 'payload' | undefined, parts: input.parts as number[] | undefined });
          return { status: 202, body: sent };
        } catch (err) {
          return error(400, 'invalid_field', (err as Error).message, 'text');
        }
      }
      case 'POST reset':
        smsc.reset();
        return { status: 200, body: view(smsc) };
      case 'GET submissions': {
        const since = Number(url.searchParams.get('since') ?? 0);
        return { status: 200, body: smsc.submissions.filter((s) => s.receivedAt >= since) };
      }
      case 'DELETE submissions':
        smsc.submissions.length = 0;
        return { status: 204, body: undefined };
      default:
        return error(404, 'not_found', `no route ${req.method} ${url.pathname}`);
    }
  };

  const handler: http.RequestListener = (req, res) => {
    route(req, new URL(req.url ?? '/', 'http://localhost'))
      .catch((err: Error) => error(500, 'internal_error', err.message))
      .then(({ status, body }) => {
        if (body === undefined) return void res.writeHead(status).end();
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
  };
  return tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
}
