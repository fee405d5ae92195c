/**
 * vitest globalSetup: builds the `centers` CLI bundle (dist/, `npm run build`) before any test runs. The CLI tests
 * run `bin/centers.mjs`, which loads dist/cli.js: without this, `npx vitest run` (which, unlike `npm test`, has no
 * pretest step) tests whatever dist/ the last install or build left, not the code in client/.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}
