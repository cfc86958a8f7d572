// A customer's status-callback endpoint for end-to-end tests: records every JSON body POSTed to it.
import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface CallbackReceiver<T> {
  url: string;
  received: T[];
  close(): Promise<void>;
}

export async function startCallbackReceiver<T = Record<string, unknown>>(): Promise<CallbackReceiver<T>> {
  const received: T[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push(JSON.parse(data) as T);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
