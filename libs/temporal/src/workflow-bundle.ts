// Options for bundling workflows/ with Temporal's bundler: resolves our @app/* aliases for the
// dependency-free libs that workflow code may import, and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import type { BundleOptions } from '@temporalio/worker';

// This file runs from libs/temporal/src (tests) or dist/libs/temporal/src (build): the
// bundler always reads the TypeScript sources at the repository root.
const here = path.resolve(__dirname, '../../..');
const repoRoot = fs.existsSync(path.join(here, 'workflows', 'index.ts')) ? here : path.resolve(here, '..');

/** Libraries that workflow code may import. */
export const WORKFLOW_SAFE_ALIASES: Record<string, string> = {
  '@app/contracts': path.join(repoRoot, 'libs/contracts/src'),
  '@app/domain': path.join(repoRoot, 'libs/domain/src'),
  '@app/lifecycle': path.join(repoRoot, 'libs/lifecycle/src'),
};

export function workflowBundlerOptions(): BundleOptions {
  return {
    workflowsPath: path.join(repoRoot, 'workflows', 'index.ts'),
    webpackConfigHook: (config) => {
      config.resolve = config.resolve ?? {};
      config.resolve.alias = { ...(config.resolve.alias as Record<string, string>), ...WORKFLOW_SAFE_ALIASES };
      return config;
    },
  };
}
