// Gavel runs its TypeScript directly, which needs Node.js 24 (type stripping on by default). On an older Node the
// first .ts file fails with ERR_UNKNOWN_FILE_EXTENSION, a message that names neither Node nor its version; npm's
// `engines` field only warns. npm runs this first (preinstall, prepare): it says plainly what is needed and stops.
// Plain CommonJS on purpose: it must run, and say so, on whatever old Node it meets.
"use strict";

const REQUIRED_MAJOR = 24;

/** Undefined when `version` ("20.20.2", "v24.1.0") can run Gavel; else what to tell the person installing it. */
function nodeVersionProblem(version, executable) {
  const major = Number(String(version).replace(/^v/, "").split(".")[0]);
  if (major >= REQUIRED_MAJOR) return undefined;
  const which = executable ? ` (${executable})` : "";
  return (
    `Gavel needs Node.js ${REQUIRED_MAJOR} or newer, but this is Node.js ${version}${which}.\n` +
    `Install Node.js ${REQUIRED_MAJOR} (https://nodejs.org/, or \`nvm install ${REQUIRED_MAJOR}\`), ` +
    "put it first on PATH, and run the command again."
  );
}

module.exports = { nodeVersionProblem, REQUIRED_MAJOR };

if (require.main === module) {
  // A version may be given to check instead of this Node's own (the tests use it).
  const given = process.argv[2];
  const problem = nodeVersionProblem(given || process.versions.node, given ? "" : process.execPath);
  if (problem) {
    console.error(`\n${problem}\n`);
    process.exit(1);
  }
}
