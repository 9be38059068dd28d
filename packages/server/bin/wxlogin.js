#!/usr/bin/env node
// Committed shim: the CLI itself is compiled TypeScript in dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('wxlogin: not built yet — run `npm run build` first.');
  process.exit(1);
}
const { main } = await import(entry);
await main(process.argv);
