// Replay safety: every history recorded from the e2e runs (test/replay/histories, written by
// `npm run record-histories`) must replay against the current workflow code, bundled as
// production bundles it. A change that makes a workflow issue different commands for the same
// history (an added, removed or reordered activity, timer or child workflow) fails here with
// the workflow id and the determinism error; such a change needs `patched()` or a new workflow
// type, and recorded histories are how CI notices it was missed. Needs no Temporal server.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, ReplayResult, Worker } from '@temporalio/worker';
import { workflowBundlerOptions } from '@app/temporal';
import { historyFromJson } from '../support/history-json';
import { FORBIDDEN_IN_HISTORY, HISTORIES_DIR, readManifest } from '../support/history-recorder';

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const recorded = readManifest();
const files = recorded.map((entry) => ({ ...entry, json: fs.readFileSync(path.join(HISTORIES_DIR, entry.file), 'utf8') }));
const results = new Map<string, ReplayResult>();

beforeAll(async () => {
  const { code } = await bundleWorkflowCode({ ...workflowBundlerOptions(), logger: quiet as never });
  // One replay worker for every history; results come back in order, one per history.
  const histories = files.map((f) => ({ workflowId: f.workflowId, history: historyFromJson(JSON.parse(f.json)) }));
  let i = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code }, replayName: 'replay-safety' }, histories)) {
    results.set(files[i].file, result);
    i += 1;
  }
}, 120_000);

describe('recorded workflow histories', () => {
  it('are there, for every workflow type the worker runs', () => {
    const types = new Set(recorded.map((e) => e.workflowType));
    // Every workflow the worker registers (workflows/index.ts) has recorded histories.
    const registered = [...fs.readFileSync(path.join(__dirname, '../../workflows/index.ts'), 'utf8').matchAll(/export \{ (\w+) \}/g)].map((m) => m[1]);
    expect(registered.length).toBeGreaterThan(0);
    expect(registered.filter((t) => !types.has(t))).toEqual([]);
    for (const f of files) expect(fs.existsSync(path.join(HISTORIES_DIR, f.file))).toBe(true);
  });

  it.each(files.map((f) => [f.file, f] as const))('%s replays against the current workflow code', (_file, f) => {
    const result = results.get(f.file);
    if (!result) throw new Error(`${f.file} (workflow ${f.workflowId}) was not replayed`);
    if (result.error) {
      throw new Error(
        `${f.workflowType} workflow ${f.workflowId} (${f.file}) does not replay: ${result.error.name}: ${result.error.message}\n` +
          'A workflow change is not deterministic for histories already recorded: guard it with patched(), or re-record with `npm run record-histories` if no such workflow can be running anywhere.',
      );
    }
  });

  it.each(files.map((f) => [f.file, f] as const))('%s carries no secret', (_file, f) => {
    // Payloads are base64 in the file: look at them decoded as well.
    const decoded = [...f.json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8')).join('\n');
    for (const pattern of FORBIDDEN_IN_HISTORY) {
      expect({ file: f.file, matches: pattern.test(f.json) || pattern.test(decoded) }).toEqual({ file: f.file, matches: false });
    }
  });
});
