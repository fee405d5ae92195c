#!/usr/bin/env node
// `centers`: the operators' CLI, compiled from client/cli.ts into dist/ by `npm run build` (run at install).
import fs from 'node:fs';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!fs.existsSync(entry)) {
  process.stderr.write(
    `centers: ${entry.pathname} is missing: the CLI is not built.\n` +
      `Run \`npm run build\` in ${new URL('..', import.meta.url).pathname} (npm install and npm ci run it).\n`,
  );
  process.exit(1);
}
const { run } = await import(entry.href);
await run();
