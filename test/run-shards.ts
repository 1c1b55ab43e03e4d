// Runs test files in N processes at once, each process running its share of the files one after another in itself
// (`node --test --test-isolation=none`), so that the exchange's modules load once per process instead of once per
// file (about 3.3 s of CPU each). Used for test/engine and `test:shared` (see test/README.md, "How the suite is run").
//
//   node test/run-shards.ts <shards> <pattern>...
//
// Files are dealt to the shards largest first, each to the shard with the fewest bytes so far (size stands in for
// duration). A file with a top-level hook (`before`, `after`, `beforeEach`, `afterEach` at the start of a line) runs in
// a process of its own after its shard's shared process: without isolation such hooks belong to the whole process, so
// a top-level `beforeEach` would run before every other file's tests too (tried: the shard hung). So does a file with
// the line `// run-shards: own process`, followed by its reason (dealt first, as heavy as the largest file). Each
// shard's report is printed whole when it ends, so reports do not interleave. The exit code is non-zero when any run
// fails. The environment (GAVEL_TEST_BACKEND and the service URLs) passes through, with NODE_COMPILE_CACHE set (unless
// it is already) to node_modules/.cache/node-compile-cache: the processes, and the exchanges and buyer farms they
// start, then reuse V8's compiled code for the modules instead of compiling them again (importing src/app.ts: ~1.1 s
// of CPU without, ~0.6 s with). Node creates the folder, so a fresh clone needs nothing.
//
// On the distributed backend (GAVEL_TEST_BACKEND=distributed) a file with a line `// Backend-independent: <why>` is
// left out and listed: what it asserts does not change with the backend (test/README.md, "Which engine files run on
// both backends"), so running it on PostgreSQL + Redis too would repeat the embedded run.
import { spawn } from "node:child_process";
import { globSync, readFileSync, statSync } from "node:fs";

const [shardArg, ...patterns] = process.argv.slice(2);
const shards = Number(shardArg);
if (!Number.isInteger(shards) || shards < 1 || patterns.length === 0) {
  console.error("usage: node test/run-shards.ts <shards> <pattern>...");
  process.exit(2);
}

const matched = [...new Set(patterns.flatMap((pattern) => globSync(pattern)))].sort();
if (matched.length === 0) {
  console.error(`run-shards: no test files match ${patterns.join(" ")}`);
  process.exit(2);
}
const BACKEND_INDEPENDENT = /^\/\/ Backend-independent: /m;
const onDistributed = process.env.GAVEL_TEST_BACKEND === "distributed";
const leftOut = onDistributed
  ? matched.filter((file) => BACKEND_INDEPENDENT.test(readFileSync(file, "utf8")))
  : [];
const files = matched.filter((file) => !leftOut.includes(file));
if (leftOut.length > 0)
  process.stdout.write(
    `run-shards: ${leftOut.length} backend-independent files run on the embedded backend only: ${leftOut.join(", ")}\n`,
  );
if (files.length === 0) process.exit(0);
const TOP_LEVEL_HOOK = /^(before|after|beforeEach|afterEach)\(/m;
/** A file may ask for a process of its own with this line, saying why after it. */
const OWN_PROCESS_MARK = /^\/\/ run-shards: own process\b/m;
const asksOwnProcess = (file: string) => OWN_PROCESS_MARK.test(readFileSync(file, "utf8"));
const ownProcess = (file: string) => TOP_LEVEL_HOOK.test(readFileSync(file, "utf8")) || asksOwnProcess(file);

// A file that asks for a process of its own does so for its weight, which its size does not show (market-simulation:
// 1.9 kB, one of the longest files): it counts as the largest file, and is dealt first.
const largest = Math.max(...files.map((file) => statSync(file).size));
const weight = (file: string) => (asksOwnProcess(file) ? largest : statSync(file).size);
const buckets = Array.from({ length: Math.min(shards, files.length) }, () => ({
  bytes: 0,
  files: [] as string[],
}));
for (const file of [...files].sort(
  (a, b) => Number(asksOwnProcess(b)) - Number(asksOwnProcess(a)) || weight(b) - weight(a),
)) {
  const lightest = buckets.reduce((best, bucket) => (bucket.bytes < best.bytes ? bucket : best));
  lightest.files.push(file);
  lightest.bytes += weight(file);
}

const started = performance.now();

const env = {
  ...process.env,
  NODE_COMPILE_CACHE:
    process.env.NODE_COMPILE_CACHE ||
    new URL("../node_modules/.cache/node-compile-cache", import.meta.url).pathname,
};

/** Runs `node --test` with these arguments; resolves with its exit code and everything it printed. */
function nodeTest(args: string[]): Promise<{ ok: boolean; output: Buffer; how: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--test", "--test-force-exit", "--test-reporter=spec", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    const output: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("close", (code, signal) =>
      resolve({ ok: code === 0, output: Buffer.concat(output), how: signal ?? `exit ${code}` }),
    );
  });
}

const results = await Promise.all(
  buckets.map(async (bucket, index) => {
    const shared = bucket.files.filter((file) => !ownProcess(file));
    const isolated = bucket.files.filter(ownProcess);
    const runs = [];
    if (shared.length > 0) runs.push(await nodeTest(["--test-isolation=none", ...shared]));
    if (isolated.length > 0) runs.push(await nodeTest(["--test-concurrency=1", ...isolated]));
    const failed = runs.filter((run) => !run.ok);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `\n=== shard ${index + 1}/${buckets.length}: ${shared.length} files in one process, ` +
        `${isolated.length} in their own (top-level hooks, or asked): ` +
        `${failed.length === 0 ? "passed" : `FAILED (${failed.map((run) => run.how).join(", ")})`} after ${seconds} s\n`,
    );
    for (const run of runs) process.stdout.write(run.output);
    return failed.length === 0 ? 0 : 1;
  }),
);
process.exitCode = Math.max(...results);
