// Prints the plain closing line CI reads, `N passed, M failed, K skipped`, from vitest's JUnit report.
const fs = require('node:fs');
const file = process.argv[2] || 'test-results/junit.xml';
if (!fs.existsSync(file)) {
  console.log('0 passed, 1 failed');
  console.error(`(no JUnit report at ${file}: the test run did not finish)`);
  process.exit(0);
}
const xml = fs.readFileSync(file, 'utf8');
const testcases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) || [];
let failed = 0;
let skipped = 0;
for (const tc of testcases) {
  if (/<(failure|error)\b/.test(tc)) failed++;
  else if (/<skipped\b/.test(tc)) skipped++;
}
const passed = testcases.length - failed - skipped;
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
