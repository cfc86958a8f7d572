// Records workflow histories for the replay spec (test/replay/replay.int.spec.ts): after the
// end-to-end suites ran against the real Temporal dev server, fetches the history of every
// closed workflow they started (task queues `e2e-*`, see stack.ts), labels each by the path
// it took (delivered, failover, voice, multipart, callback…), keeps the smallest history per
// label and writes it as Temporal's JSON history format under
// test/replay/histories/<workflowType>/<label>.json, with manifest.json naming the workflow id
// of each. Run through `npm run record-histories` (global-teardown.ts calls it when
// RECORD_HISTORIES=1); a workflow type recorded in this run replaces that type's folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { RunCampaignResult, SendBatchResult, VerifyPhoneResult } from '@app/contracts';
import { historyFromJson, historyToJson } from './history-json';
import { decodePayloadsDeep, EncryptionCodec } from '@app/temporal';
import { testKms } from './env';

type History = temporal.api.history.v1.IHistory;
type Payload = temporal.api.common.v1.IPayload;

export const HISTORIES_DIR = path.join(__dirname, '..', 'replay', 'histories');
export const MANIFEST_FILE = path.join(HISTORIES_DIR, 'manifest.json');

/** Histories kept per workflow type, and in all: the replay spec stays fast and the diff readable. */
const MAX_PER_TYPE = 16;
const MAX_TOTAL = 25;

export interface ManifestEntry {
  file: string;
  workflowType: string;
  label: string;
  workflowId: string;
  runId: string;
  events: number;
}

/**
 * Strings that must never reach a recorded history: the e2e stack's carrier credentials and
 * API key prefix (stack.ts, apps/launcher). Message bodies never enter history by design; the
 * replay spec checks the recorded files for these too.
 */
export const FORBIDDEN_IN_HISTORY: RegExp[] = [/alpha-pw/, /beta-pw/, /gamma-token/, /\bsk_[A-Za-z0-9_-]{16,}/, /password/i];

export interface RecordOptions {
  /** Where the histories go (default test/replay/histories). */
  dir?: string;
  /** Only workflows on task queues starting with this: the e2e stacks' own (default `e2e-`). */
  taskQueuePrefix?: string;
  log?: (line: string) => void;
}

export interface FetchedHistory {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  history: History;
}

export async function recordHistories(address: string, { dir = HISTORIES_DIR, taskQueuePrefix = 'e2e-', log = console.log }: RecordOptions = {}): Promise<ManifestEntry[]> {
  const fetched = await fetchHistories(address, taskQueuePrefix);
  // Everything fetched, before choosing: the server is in memory and gone after this run.
  const dump = path.join(os.tmpdir(), `sms-e2e-histories-${process.pid}.jsonl`);
  fs.writeFileSync(dump, fetched.map((f) => JSON.stringify({ ...f, history: historyToJson(f.history) })).join('\n'));
  log(`[record-histories] ${fetched.length} closed workflows fetched (all of them: ${dump})`);
  return selectHistories(fetched, { dir, log });
}

/** Reads a dump recordHistories left in the temporary directory (to choose again without a new e2e run). */
export function readDump(file: string): FetchedHistory[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = JSON.parse(line) as FetchedHistory;
      return { ...f, history: historyFromJson(f.history) };
    });
}

async function fetchHistories(address: string, taskQueuePrefix: string): Promise<FetchedHistory[]> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const codec = new EncryptionCodec(testKms());
    const closed: WorkflowExecutionInfo[] = [];
    for await (const wf of client.workflow.list()) {
      if (wf.taskQueue.startsWith(taskQueuePrefix) && wf.status.name !== 'RUNNING') closed.push(wf);
    }
    const fetched: FetchedHistory[] = [];
    await forEachLimited(closed, 8, async (wf) => {
      // Kept decoded: replay then needs no key (the codec passes payloads in clear through).
      const history = await decodePayloadsDeep(await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory(), codec);
      fetched.push({ workflowId: wf.workflowId, runId: wf.runId, type: wf.type, status: wf.status.name, history });
    });
    return fetched.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  } finally {
    await connection.close();
  }
}

/** Keeps the smallest history of each label, per workflow type; replaces the folders of the types given. */
export function selectHistories(fetched: FetchedHistory[], { dir: root = HISTORIES_DIR, log = console.log }: Pick<RecordOptions, 'dir' | 'log'> = {}): ManifestEntry[] {
  const manifestFile = path.join(root, 'manifest.json');
  const chosen = new Map<string, Map<string, { f: FetchedHistory; events: number }>>();
  for (const f of fetched) {
    const label = labelOf(f, f.history);
    const events = f.history.events?.length ?? 0;
    const byLabel = chosen.get(f.type) ?? new Map<string, { f: FetchedHistory; events: number }>();
    chosen.set(f.type, byLabel);
    const current = byLabel.get(label);
    if (!current || events < current.events) byLabel.set(label, { f, events });
  }

  const manifest: ManifestEntry[] = readManifest(manifestFile).filter((e) => !chosen.has(e.workflowType));
  let budget = MAX_TOTAL - manifest.length;
  for (const [type, byLabel] of [...chosen].sort(([a], [b]) => a.localeCompare(b))) {
    const dir = path.join(root, type);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const labels = [...byLabel.keys()].sort();
    const kept = labels.slice(0, Math.max(0, Math.min(MAX_PER_TYPE, budget)));
    if (kept.length < labels.length) log(`[record-histories] ${type}: ${labels.length} labels, kept ${kept.length} (limits ${MAX_PER_TYPE} per type, ${MAX_TOTAL} in all)`);
    for (const label of kept) {
      const { f, events } = byLabel.get(label)!;
      const json = JSON.stringify(historyToJson(f.history), null, 2);
      const leaked = FORBIDDEN_IN_HISTORY.filter((re) => re.test(`${decodedText(f.history)}\n${json}`));
      if (leaked.length) throw new Error(`history of ${f.workflowId} (${type}/${label}) matches ${leaked.join(', ')}: not recorded`);
      const file = `${type}/${label}.json`;
      fs.writeFileSync(path.join(root, file), `${json}\n`);
      manifest.push({ file, workflowType: type, label, workflowId: f.workflowId, runId: f.runId, events });
    }
    budget -= kept.length;
    log(`[record-histories] ${type}: ${kept.join(', ') || '(none)'}`);
  }
  manifest.sort((a, b) => a.file.localeCompare(b.file));
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export function readManifest(file = MANIFEST_FILE): ManifestEntry[] {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ManifestEntry[]) : [];
}

/** The path a workflow took, as a file name: its outcome, then what made it different. */
export function labelOf(wf: Pick<FetchedHistory, 'type' | 'status'>, history: History): string {
  const events = history.events ?? [];
  const result = decode(events.find((e) => e.workflowExecutionCompletedEventAttributes)?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]) as
    | Record<string, unknown>
    | undefined;
  const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
  const activityNames = new Set(scheduled.map((a) => a.activityType?.name ?? ''));
  const features: string[] = [];
  // A worker killed mid-workflow leaves a timed-out workflow task (failed ones are mostly the
  // ordinary UnhandledCommand, when an event arrives during a task).
  if (events.some((e) => e.workflowTaskTimedOutEventAttributes)) features.push('worker-restart');

  if (wf.type === 'sendMessage' && result) {
    const status = String(result.status);
    const attempts = Number(result.attempts ?? 0);
    const error = result.error as { code?: string } | undefined;
    if (result.channel === 'voice' || activityNames.has('callWithVoice')) features.unshift('voice');
    if (attempts > 1) features.unshift('failover');
    if (status === 'failed' && error?.code) features.unshift(error.code.replace(/_/g, '-'));
    const texts = [...activityResults(history), ...markerResults(history)];
    if (texts.some((r) => Array.isArray((r as { partIds?: unknown[] })?.partIds) && (r as { partIds: unknown[] }).partIds.length > 1)) features.push('multipart');
    if (!activityNames.has('submitToCarrier') && markerTypes(history).has('submitToCarrier')) features.push('otp');
    const plan = markerResults(history).find((r) => r && typeof r === 'object' && 'carriers' in (r as object)) as { sendAt?: string | null } | undefined;
    if (plan?.sendAt) features.push('scheduled');
    return [status, ...features].join('-');
  }
  if (wf.type === 'sendBatch' && result) {
    const { attempts, failed } = result as unknown as SendBatchResult;
    return [`attempts-${attempts}`, ...(failed ? ['with-failures'] : []), ...features].join('-');
  }
  if (wf.type === 'conversation') {
    const signals = new Set(events.flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName ?? ''] : [])));
    if (signals.has('inboundMessage')) features.push(activityNames.has('forwardInbound') ? 'forwarded' : 'inbound');
    if (signals.has('replySent')) features.push('reply');
  }
  if (wf.type === 'runCampaign' && result) {
    const { status, counters } = result as unknown as RunCampaignResult;
    return [status, ...(counters.runs > 0 ? ['continued'] : []), ...features].join('-');
  }
  if (wf.type === 'verifyPhone' && result) {
    const { status, sends } = result as unknown as VerifyPhoneResult;
    const children = events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length;
    return [status.replace(/_/g, '-'), ...(sends > 1 ? ['resent'] : []), ...(children === 0 ? ['voice'] : []), ...features].join('-');
  }
  return [wf.status.toLowerCase(), ...features].join('-');
}

function decode(payload: Payload | null | undefined): unknown {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}

function activityResults(history: History): unknown[] {
  return (history.events ?? []).flatMap((e) => (e.activityTaskCompletedEventAttributes?.result?.payloads ?? []).map(decode));
}

/** Local activity results live in marker events (details.result). */
function markerResults(history: History): unknown[] {
  return (history.events ?? []).flatMap((e) => (e.markerRecordedEventAttributes?.details?.result?.payloads ?? []).map(decode));
}

function markerTypes(history: History): Set<string> {
  const types = new Set<string>();
  for (const e of history.events ?? []) {
    for (const p of e.markerRecordedEventAttributes?.details?.data?.payloads ?? []) {
      const data = decode(p) as { activity_type?: string } | undefined;
      if (data?.activity_type) types.add(data.activity_type);
    }
  }
  return types;
}

/** Every payload of the history, decoded, as one string: what a reader of the history would see. */
export function decodedText(history: History): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (value instanceof Uint8Array) {
      parts.push(Buffer.from(value).toString('utf8'));
      return;
    }
    for (const v of Object.values(value)) walk(v);
  };
  walk(history);
  return parts.join('\n');
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}
