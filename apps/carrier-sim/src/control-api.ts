// HTTP control API of the simulator: tests and demos set each carrier's behaviour and read
// what it received. JSON in, JSON out; errors as { error: { code, message, field? } }.
import http from 'node:http';
import { BehaviourError, parseBehaviour } from './behaviour';
import type { Smsc } from './smsc';

type Answer = { status: number; body: unknown };
const error = (status: number, code: string, message: string, field?: string): Answer => ({ status, body: { error: { code, message, ...(field ? { field } : {}) } } });

function view(smsc: Smsc) {
  return { id: smsc.config.id, smppPort: smsc.port, behaviour: smsc.behaviour, counters: { ...smsc.counters, receiptsQueued: smsc.receiptsQueued } };
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

export function createControlServer(carriers: Map<string, Smsc>): http.Server {
  const route = async (req: http.IncomingMessage, url: URL): Promise<Answer> => {
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && url.pathname === '/health') return { status: 200, body: { status: 'ok' } };
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

  return http.createServer((req, res) => {
    route(req, new URL(req.url ?? '/', 'http://localhost'))
      .catch((err: Error) => error(500, 'internal_error', err.message))
      .then(({ status, body }) => {
        if (body === undefined) return void res.writeHead(status).end();
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
  });
}
