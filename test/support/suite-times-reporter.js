/**
 * A jest reporter: writes every suite's time and result to test-artifacts/suite-times.json and prints the ten
 * slowest suites just before jest's own summary (it is listed first in jest.config.js, so the summary stays last).
 * Plain JavaScript: jest loads reporters without its transform.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

class SuiteTimesReporter {
  /** @param {import('@jest/types').Config.GlobalConfig} globalConfig */
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  /** @param {unknown} _contexts @param {import('@jest/reporters').AggregatedResult} results */
  onRunComplete(_contexts, results) {
    const suites = results.testResults
      .map((r) => ({
        suite: relative(this.rootDir, r.testFilePath),
        seconds: Math.round((r.perfStats.end - r.perfStats.start) / 100) / 10,
        tests: r.numPassingTests + r.numFailingTests + r.numPendingTests,
        failed: r.numFailingTests,
        skipped: r.numPendingTests,
        failedToRun: Boolean(r.testExecError),
      }))
      .sort((a, b) => b.seconds - a.seconds);
    const wallSeconds = Math.round((Date.now() - results.startTime) / 100) / 10;
    const dir = join(this.rootDir, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    const report = { wallSeconds, success: results.success, suites };
    writeFileSync(join(dir, 'suite-times.json'), `${JSON.stringify(report, null, 2)}\n`);
    const slowest = suites.slice(0, 10).map((s) => `  ${s.seconds.toFixed(1).padStart(6)} s  ${s.suite}`);
    process.stderr.write(`\nSlowest suites (all in test-artifacts/suite-times.json):\n${slowest.join('\n')}\n`);
  }
}

module.exports = SuiteTimesReporter;
