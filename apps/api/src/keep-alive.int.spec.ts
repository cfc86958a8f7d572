// The API keeps idle keep-alive connections open past the 5 s Node would close them at, so a
// client reusing one (as HTTP clients and load balancers do, for up to a minute) gets an answer,
// not a reset.
import http from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { startApiApp } from '../../../test/support/api-app';
import { KEEP_ALIVE_TIMEOUT_MS } from './app.setup';

let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
});
afterAll(async () => {
  await app?.close();
});

const get = (agent: http.Agent) =>
  new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
    const req = http.get(`${baseUrl}/docs/openapi.json`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });

it('answers on a keep-alive connection left idle for longer than Node closes it by default (5 s)', async () => {
  expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThanOrEqual(60_000);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    expect(await get(agent)).toEqual({ status: 200, reused: false });
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await get(agent)).toEqual({ status: 200, reused: true });
  } finally {
    agent.destroy();
  }
}, 20_000);
