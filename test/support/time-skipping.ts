// Temporal's time-skipping test server (installed by `node scripts/setup.js --test`) and the
// project's workflows bundled once, for workflow specs with stubbed activities.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureSearchAttributes, workflowBundlerOptions } from '@app/temporal';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveTestServer } = require('../../scripts/temporal-cli.js') as { resolveTestServer: () => string | undefined };

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export async function startTimeSkipping(options: { searchAttributes?: boolean } = {}): Promise<{ env: TestWorkflowEnvironment; workflowBundle: { code: string } }> {
  const path = resolveTestServer();
  if (!path) throw new Error('time-skipping test server missing: run `node scripts/setup.js --test`');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  if (options.searchAttributes) await ensureSearchAttributes(env.connection, 'default');
  return { env, workflowBundle: await bundleWorkflowCode({ ...workflowBundlerOptions(), logger: quiet as never }) };
}
