#!/usr/bin/env node
// `centers`: the operators' CLI (client/cli.ts), run through tsx so the TypeScript sources need no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The repository's tsconfig, whatever the working directory (`npx centers` may run from anywhere).
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { run } = await import('../client/cli.ts');
await run();
