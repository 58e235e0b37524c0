// A Jest reporter that writes one JSON summary per project run into <repo>/.test-results/, so
// tools/ci/summarize-tests.mjs can print the closing "N passed, N failed" line over all projects.
// A suite that fails to run (syntax error, failing hook) counts as one failed test.
const fs = require("node:fs");
const path = require("node:path");

const resultsDir = path.resolve(__dirname, "../../.test-results");

// the first meaningful line of a failure message, without colour codes, bounded
function firstLine(message = "") {
  const line = message.replace(/\u001b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

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
      // what failed, so the closing summary (the tail CI keeps) names it
      failures: results.testResults.flatMap((file) => {
        const where = path.relative(this.rootDir, file.testFilePath);
        const tests = file.testResults
          .filter((t) => t.status === "failed")
          .map((t) => `${where}: ${t.fullName} — ${firstLine(t.failureMessages[0])}`);
        return tests.length === 0 && file.testExecError ? [`${where}: ${firstLine(file.testExecError.message)}`] : tests;
      }),
    };
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${summary.project.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`);
    fs.writeFileSync(file, JSON.stringify(summary) + "\n");
  }
}

module.exports = JestSummaryReporter;
