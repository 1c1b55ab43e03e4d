// Runs test files in N processes at once, each process running its share of the files one after another in itself
// (`node --test --test-isolation=none`), so that the exchange's modules load once per process instead of once per
// file (about 3.3 s of CPU each). Used for test/engine (see test/README.md, "How the suite is run").
//
//   node test/run-shards.ts <shards> <pattern>...
//
// Files are dealt to the shards largest first, each to the shard with the fewest bytes so far (size stands in for
// duration). Each shard's report is printed whole when it ends, so the two reports do not interleave. The exit code is
// non-zero when any shard fails. The environment (GAVEL_TEST_BACKEND and the service URLs) passes through.
import { spawn } from "node:child_process";
import { globSync, statSync } from "node:fs";

const [shardArg, ...patterns] = process.argv.slice(2);
const shards = Number(shardArg);
if (!Number.isInteger(shards) || shards < 1 || patterns.length === 0) {
  console.error("usage: node test/run-shards.ts <shards> <pattern>...");
  process.exit(2);
}

const files = [...new Set(patterns.flatMap((pattern) => globSync(pattern)))].sort();
if (files.length === 0) {
  console.error(`run-shards: no test files match ${patterns.join(" ")}`);
  process.exit(2);
}
const buckets = Array.from({ length: Math.min(shards, files.length) }, () => ({
  bytes: 0,
  files: [] as string[],
}));
for (const file of [...files].sort((a, b) => statSync(b).size - statSync(a).size)) {
  const lightest = buckets.reduce((best, bucket) => (bucket.bytes < best.bytes ? bucket : best));
  lightest.files.push(file);
  lightest.bytes += statSync(file).size;
}

const started = performance.now();
const results = await Promise.all(
  buckets.map(
    (bucket, index) =>
      new Promise<number>((resolve) => {
        const child = spawn(
          process.execPath,
          ["--test", "--test-isolation=none", "--test-force-exit", "--test-reporter=spec", ...bucket.files],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        const output: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
        child.on("close", (code, signal) => {
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          process.stdout.write(
            `\n=== shard ${index + 1}/${buckets.length} (${bucket.files.length} files): ` +
              `${code === 0 ? "passed" : `FAILED (${signal ?? `exit ${code}`})`} after ${seconds} s\n`,
          );
          process.stdout.write(Buffer.concat(output));
          resolve(code === 0 ? 0 : 1);
        });
      }),
  ),
);
process.exitCode = Math.max(...results);
