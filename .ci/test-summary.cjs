// Prints vitest's result as the plain closing line CI reads: "N passed, N failed, N skipped".
const r = require("../test-results/vitest.json");
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
