// Prints the suite's totals as one plain line ("N passed, N failed") for humans and CI.
import { readFileSync } from 'node:fs';

interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const [reportPath] = process.argv.slice(2);
if (!reportPath) throw new Error('usage: test-summary.ts <vitest json report>');
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as VitestJsonReport;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(
  `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
if (report.numFailedTests > 0 || report.numPassedTests === 0) process.exitCode = 1;
