// Throwaway TLS material for tests: a CA and a certificate for 127.0.0.1 / localhost issued by
// it, made with openssl at test time (nothing checked in), and an HTTPS client that trusts the CA
// (global fetch cannot be given one).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

export interface TestCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: Buffer;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

/** A CA, and a server certificate it signs for IP 127.0.0.1 and DNS localhost, in `dir`. */
export function makeTestCertificates(dir: string, name = 'server'): TestCertificates {
  fs.mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=sms-aggregator test CA', '-keyout', 'ca.key', '-out', 'ca.pem'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
  const caFile = path.join(dir, 'ca.pem');
  return { caFile, certFile: path.join(dir, `${name}.pem`), keyFile: path.join(dir, `${name}.key`), ca: fs.readFileSync(caFile) };
}

/** One HTTPS request trusting `ca`: the status, the body text and the certificate the server showed. */
export function httpsRequest(
  url: string,
  options: { ca?: Buffer; method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string; peerSubjectAltName?: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? 'GET', headers: options.headers, ca: options.ca, timeout: 10_000 }, (res) => {
      const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate?.();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), peerSubjectAltName: peer?.subjectaltname }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(options.body);
  });
}
