// TLS settings: certificate, key and CA files named by environment variables, read and checked
// at start-up (readable, PEM, the key matching the certificate), so a bad file stops the process
// with a message naming the variable instead of failing at the first handshake.
import fs from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ConfigError, Env } from './env';

/** A certificate chain and its private key, as PEM (what node:tls and node:https take as `cert` / `key`). */
export interface TlsIdentity {
  cert: Buffer;
  key: Buffer;
}

function readFile(env: Env, name: string): Buffer {
  const file = env[name]!.trim();
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(name, `cannot be read: ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** A PEM certificate file (the first certificate is parsed; a chain may follow). */
export function readCertificateFile(env: Env, name: string): { pem: Buffer; certificate: X509Certificate } | undefined {
  if (!env[name]?.trim()) return undefined;
  const pem = readFile(env, name);
  try {
    return { pem, certificate: new X509Certificate(pem) };
  } catch {
    throw new ConfigError(name, `is not a PEM certificate: ${env[name]!.trim()}`);
  }
}

/**
 * A certificate and key pair from `<prefix>_CERT_FILE` and `<prefix>_KEY_FILE` (or the names
 * given): undefined when neither is set; both are required when one is, and the key must belong
 * to the certificate.
 */
export function readTlsIdentity(env: Env, prefix: string, names = { cert: `${prefix}_CERT_FILE`, key: `${prefix}_KEY_FILE` }): TlsIdentity | undefined {
  const certName = names.cert;
  const keyName = names.key;
  const hasCert = Boolean(env[certName]?.trim());
  const hasKey = Boolean(env[keyName]?.trim());
  if (!hasCert && !hasKey) return undefined;
  if (!hasKey) throw new ConfigError(keyName, `is required when ${certName} is set`);
  if (!hasCert) throw new ConfigError(certName, `is required when ${keyName} is set`);
  const { pem: cert, certificate } = readCertificateFile(env, certName)!;
  const key = readFile(env, keyName);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError(keyName, `is not a PEM private key (an encrypted key is not supported): ${env[keyName]!.trim()}`);
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new ConfigError(keyName, `does not match the certificate in ${certName}`);
  return { cert, key };
}
