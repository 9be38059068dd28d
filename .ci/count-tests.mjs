// Prints how many tests ran per backend, from vitest's JSON report. A test counts for a backend when its full
// name carries the backend's tag (`[sqlite]`, `[pg]`, `[mariadb]`, `[redis]`, `[browser]`), which the suites put in
// their describe names. Exits non-zero when the report is missing or a test failed.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.ci/out/results.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`count-tests: no readable vitest report at ${file}: ${error.message}`);
  process.exit(1);
}

const backends = ['sqlite', 'pg', 'mariadb', 'redis', 'browser'];
const ran = Object.fromEntries(backends.map((b) => [b, 0]));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of report.testResults ?? []) {
  for (const test of suite.assertionResults ?? []) {
    const name = [...(test.ancestorTitles ?? []), test.title].join(' ');
    if (test.status === 'passed') passed++;
    else if (test.status === 'failed') failed++;
    else skipped++;
    if (test.status !== 'passed' && test.status !== 'failed') continue;
    for (const b of backends) if (name.includes(`[${b}]`)) ran[b]++;
  }
}
console.log('');
console.log('tests per backend:');
for (const b of backends) console.log(`  ${b.padEnd(8)} ${ran[b]}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
