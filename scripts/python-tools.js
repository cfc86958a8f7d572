// Python packages the tests use, pip-installed (pinned) into .tools/python: put that folder on
// PYTHONPATH to import them. Today: smpplib, the independent SMPP client that
// test/interop/smpplib_peer.py drives against our SMPP servers (test/support/smpplib-peer.ts).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

// smpplib 2.2.4 needs six (any version); pinned too, so every machine gets the same pair.
const SMPPLIB_VERSION = '2.2.4';
const SIX_VERSION = '1.17.0';

function findRoot(dir) {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(path.join(d, 'package.json'))) return d;
  return path.resolve(dir, '..');
}
const root = findRoot(__dirname);
const pythonPath = path.join(root, '.tools', 'python');
const smpplibMarker = path.join(pythonPath, 'smpplib', '__init__.py');

function findPython() {
  for (const name of ['python3', 'python']) {
    for (const dir of (process.env.PATH || '').split(path.delimiter)) {
      const file = dir && path.join(dir, name);
      try {
        if (file && fs.statSync(file).isFile()) return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** The PYTHONPATH folder when smpplib is installed there, else undefined. */
function resolveSmpplib() {
  return fs.existsSync(smpplibMarker) ? pythonPath : undefined;
}

/** pip-installs smpplib and six (pinned, no other dependencies) into .tools/python; returns that folder. */
function installSmpplib() {
  const python = findPython();
  if (!python) throw new Error(`smpplib is missing and python3 is not available to install it from PyPI.`);
  console.log(`[setup] installing smpplib==${SMPPLIB_VERSION} and six==${SIX_VERSION} from PyPI into ${path.relative(root, pythonPath)}/`);
  fs.rmSync(pythonPath, { recursive: true, force: true });
  execFileSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', pythonPath, `smpplib==${SMPPLIB_VERSION}`, `six==${SIX_VERSION}`],
    { stdio: 'inherit' },
  );
  if (!fs.existsSync(smpplibMarker)) throw new Error(`smpplib installed, but ${smpplibMarker} is missing`);
  return pythonPath;
}

module.exports = { resolveSmpplib, installSmpplib, SMPPLIB_VERSION, SIX_VERSION, pythonPath };
