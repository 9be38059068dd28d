#!/usr/bin/env node
// Committed shim: the CLI itself is compiled TypeScript in ../dist.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('wxlogin-simulator: not built yet — run `npm run build` first\n');
  process.exit(1);
}
const { runSimulatorCli } = await import(cli.href);
await runSimulatorCli(process.argv.slice(2));
