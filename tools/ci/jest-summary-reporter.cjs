// A Jest reporter that writes one JSON summary per project run into <repo>/.test-results/, so
// tools/ci/summarize-tests.mjs can print the closing "N passed, N failed" line over all projects.
// A suite that fails to run (syntax error, failing hook) counts as one failed test.
const fs = require("node:fs");
const path = require("node:path");

const resultsDir = path.resolve(__dirname, "../../.test-results");

class JestSummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const brokenSuites = results.testResults.filter((r) => r.testExecError && r.numFailingTests === 0).length;
    const summary = {
      project: path.relative(path.resolve(__dirname, "../.."), this.rootDir) || ".",
      passed: results.numPassedTests,
      failed: results.numFailedTests + brokenSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${summary.project.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`);
    fs.writeFileSync(file, JSON.stringify(summary) + "\n");
  }
}

module.exports = JestSummaryReporter;
