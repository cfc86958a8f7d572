// Drives test/interop/smpplib_peer.py: an ESME built on PyPI smpplib (2.2.4), an SMPP
// implementation independent of ours, for interop tests of our SMPP servers. scripts/setup.js
// --test installs smpplib into .tools/python.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'test', 'interop', 'smpplib_peer.py');
const PYTHON_PATH = path.join(ROOT, '.tools', 'python');

export interface SmpplibMessage {
  /** Alphanumeric (sent as TON 5 / NPI 0), "+digits" (TON 1 / NPI 1, digits only) or digits (TON 0 / NPI 1). */
  from: string;
  /** "+digits" (TON 1 / NPI 1, sent without the +) or digits (TON 0 / NPI 1). */
  to: string;
  text: string;
  /** registered_delivery 1 (SMSC receipt on success and failure) when true. */
  registeredDelivery?: boolean;
  sourceTon?: number;
  sourceNpi?: number;
  destTon?: number;
  destNpi?: number;
}

export interface SmpplibJob {
  host?: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  bind?: 'transceiver' | 'transmitter' | 'receiver';
  messages?: SmpplibMessage[];
  /** How long texts are split: 8-bit-reference UDH (esm_class 0x40) or SAR TLVs. Default udh. */
  concat?: 'udh' | 'sar';
  /** Delivery receipts (deliver_sm, esm_class & 0x3C == 0x04) to wait for. */
  expectReceipts?: number;
  /** Mobile-originated deliver_sm (reassembled messages) to wait for. */
  expectInbound?: number;
  /** For the whole session, bind to unbind. Default 30. */
  timeoutSeconds?: number;
  socketTimeoutSeconds?: number;
  /** false: unknown TLVs in received PDUs are a protocol error (smpplib's old strict mode). Default true. */
  allowUnknownTlvs?: boolean;
  /** Log every PDU in hex on the peer's stderr (returned in SmpplibResult.stderr). */
  debug?: boolean;
}

export interface SmpplibResponse {
  /** command_status of the submit_sm_resp (or generic_nack). */
  status: number;
  messageId: string | null;
  /** Present when the answer was a generic_nack instead of a submit_sm_resp. */
  command?: 'generic_nack';
}

export interface SmpplibSubmit {
  text: string;
  /** submit_sm PDUs sent for this text. */
  parts: number;
  /** 0 GSM 03.38, 8 UCS-2. */
  dataCoding: number;
  esmClass: number;
  /** One per part answered, in order. */
  responses: SmpplibResponse[];
}

export interface SmpplibReceipt {
  /** receipted_message_id TLV, else the receipt text's id:. */
  receiptedMessageId: string | null;
  /** message_state TLV, else from the receipt text's stat:. */
  messageState: number | null;
  /** The short_message, decoded as Latin-1. */
  text: string;
  sourceAddr: string;
  destinationAddr: string;
  esmClass: number;
  fromTlv: { receiptedMessageId: boolean; messageState: boolean };
}

export interface SmpplibInbound {
  from: string;
  to: string;
  text: string;
  dataCoding: number;
  /** deliver_sm PDUs this message came in (UDH or SAR concatenation). */
  parts: number;
}

export interface SmpplibResult {
  bound: boolean;
  /** command_status of the bind response; null when none arrived. */
  bindStatus: number | null;
  bindSystemId?: string;
  submits: SmpplibSubmit[];
  receipts: SmpplibReceipt[];
  inbound: SmpplibInbound[];
  /** The timeout passed before every submit was answered or every expected receipt / MO arrived. */
  timedOut: boolean;
  /** Our unbind was answered (or the server unbound first). */
  unbound?: boolean;
  /** The server sent unbind. */
  peerUnbound?: boolean;
  /** Concatenated MO messages still missing parts at the end. */
  inboundIncomplete?: number;
  /** What the peer wrote on stderr (smpplib's logging with debug: true). */
  stderr: string;
}

/** Runs one smpplib ESME session; rejects (with the peer's stderr) when it exits non-zero. */
export function runSmpplibPeer(job: SmpplibJob): Promise<SmpplibResult> {
  if (!fs.existsSync(path.join(PYTHON_PATH, 'smpplib', '__init__.py'))) {
    return Promise.reject(new Error(`smpplib is not installed in ${PYTHON_PATH}: run node scripts/setup.js --test`));
  }
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PYTHONPATH: PYTHON_PATH, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
    const child = spawn('python3', [SCRIPT], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // the peer may exit before reading everything
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        reject(new Error(`smpplib peer exited with ${code ?? signal}: ${stderr.trim() || stdout.trim()}`));
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ ...(JSON.parse(line) as Omit<SmpplibResult, 'stderr'>), stderr });
      } catch {
        reject(new Error(`smpplib peer printed no JSON: ${stdout.trim()} ${stderr.trim()}`));
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}
