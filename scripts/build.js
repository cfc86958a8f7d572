#!/usr/bin/env node
// Compiles the TypeScript sources to dist/ with SWC (decorators and @app/* aliases resolved)
// and prebuilds the workflow bundle the production worker loads (bundleWorkflowCode also
// proves that nothing non-deterministic slipped into the workflow graph).
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');
const { swcOptions, root } = require('./swc-options');

const SOURCE_DIRS = ['apps', 'libs', 'activities', 'workflows', 'bench'];
const outDir = path.join(root, 'dist');

function* tsFiles(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.spec.ts')) yield full;
  }
}

async function compile() {
  const files = SOURCE_DIRS.flatMap((d) => [...tsFiles(path.join(root, d))]);
  await Promise.all(
    files.map(async (file) => {
      const rel = path.relative(root, file);
      const out = path.join(outDir, rel.replace(/\.ts$/, '.js'));
      const { code, map } = await swc.transformFile(file, { ...swcOptions(), filename: file, swcrc: false, configFile: false });
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${code}\n//# sourceMappingURL=${path.basename(out)}.map\n`);
      if (map) fs.writeFileSync(`${out}.map`, map);
    }),
  );
  return files.length;
}

async function bundleWorkflows() {
  const { bundleWorkflowCode } = require('@temporalio/worker');
  const { workflowBundlerOptions } = require(path.join(outDir, 'libs/temporal/src/workflow-bundle.js'));
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({ ...workflowBundlerOptions(), logger: quiet });
  fs.writeFileSync(path.join(outDir, 'workflow-bundle.js'), code);
}

(async () => {
  const started = Date.now();
  fs.rmSync(outDir, { recursive: true, force: true });
  const count = await compile();
  // The Temporal CLI resolver is shared with scripts/setup.js; compiled code requires it from dist/scripts.
  fs.mkdirSync(path.join(outDir, 'scripts'), { recursive: true });
  fs.copyFileSync(path.join(root, 'scripts', 'temporal-cli.js'), path.join(outDir, 'scripts', 'temporal-cli.js'));
  await bundleWorkflows();
  console.log(`[build] ${count} files compiled and workflows bundled in ${Date.now() - started} ms`);
})().catch((err) => {
  console.error(`[build] failed: ${err.stack || err}`);
  process.exit(1);
});
