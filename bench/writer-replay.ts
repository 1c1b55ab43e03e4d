// Replays the writes of a captured run (bench/writer-messages-capture.ts) through a checkout's SQLite writer, into a
// fresh database, and prints the CPU each thread of this process spent: the main thread's share is only the crossing
// (encoding, postMessage, the replies), the writer thread's the crossing and the SQL. Same-moment A/B of two
// checkouts' message forms, with none of the exchange's own work around them:
//
//   node bench/writer-replay.ts <capture.bin> --checkout /work/wt/base --checkout . [--rounds 6] [--passes 2]
//
// Each round runs every checkout once, in a child process of its own, the order alternating. Writes are issued as
// they were captured: each captured message's requests in one turn of the event loop, the next message in the next
// turn once fewer than `--in-flight` (16) writes are unanswered.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { deserialize } from "node:v8";
import { threadCpuSeconds } from "../src/sim/process-cpu.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    checkout: { type: "string", multiple: true },
    rounds: { type: "string", default: "6" },
    passes: { type: "string", default: "2" },
    "in-flight": { type: "string", default: "16" },
    child: { type: "boolean", default: false },
  },
});
const capture = resolve(positionals[0]!);

/** CPU seconds of each thread of this process by name (the main thread is the process's own id). */
function threadSeconds(): Map<string, number> {
  const byName = new Map<string, number>();
  for (const [tid, { name, seconds }] of threadCpuSeconds("self")) {
    const key = tid === String(process.pid) ? "main" : name;
    byName.set(key, (byName.get(key) ?? 0) + seconds);
  }
  return byName;
}

if (values.child) {
  const checkout = resolve(values.checkout![0]!);
  const { SqliteStore } = await import(join(checkout, "src/store/sqlite/sqlite-store.ts"));
  const { SqliteWriter } = await import(join(checkout, "src/store/sqlite/sqlite-writer.ts"));
  const { NO_PII_KEYS } = await import(join(checkout, "src/compliance/privacy/pii-cipher.ts"));
  type Request = { op: string; args: unknown[] };
  const buffer = readFileSync(capture);
  const messages: Request[][] = [];
  for (let at = 0; at < buffer.length; ) {
    const length = buffer.readUInt32LE(at + 1);
    if (buffer[at] === 0) {
      const message = deserialize(buffer.subarray(at + 5, at + 5 + length)) as { request: Request }[];
      const writes = message.map(({ request }) => request).filter((request) => request.args !== undefined);
      if (writes.length > 0) messages.push(writes);
    }
    at += 5 + length;
  }
  const inFlight = Number(values["in-flight"]);
  let writes = 0;
  let failed = 0;
  let seconds = new Map<string, number>();
  for (let pass = 0; pass < Number(values.passes); pass++) {
    const dir = mkdtempSync(join(tmpdir(), "gavel-replay-"));
    const store = new SqliteStore(dir);
    await store.migrate();
    await store.close();
    const writer = new SqliteWriter(join(dir, "gavel.db"), NO_PII_KEYS);
    await writer.write("claimOutbox", [Date.now(), 1, 1000]).catch(() => {}); // the thread up and running
    const before = threadSeconds();
    let unanswered = 0;
    let wake: (() => void) | undefined;
    const done: Promise<unknown>[] = [];
    for (const message of messages) {
      // Wait for answers without spinning: the main thread's CPU is what is measured.
      while (unanswered >= inFlight) await new Promise<void>((next) => (wake = next));
      for (const { op, args } of message) {
        unanswered++;
        writes++;
        done.push(
          writer
            .write(op, args)
            .catch(() => failed++)
            .finally(() => {
              unanswered--;
              wake?.();
            }),
        );
      }
      await new Promise((next) => setImmediate(next));
    }
    await Promise.all(done);
    const after = threadSeconds();
    for (const [name, end] of after)
      seconds.set(name, (seconds.get(name) ?? 0) + end - (before.get(name) ?? 0));
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
  seconds = new Map([...seconds].filter(([, spent]) => spent > 0));
  process.stdout.write(JSON.stringify({ writes, failed, seconds: Object.fromEntries(seconds) }));
} else {
  const checkouts = values.checkout ?? [];
  const rounds = Number(values.rounds);
  console.log(`writer-replay: ${capture}, ${rounds} rounds, load average ${loadavg()[0]!.toFixed(2)}`);
  const totals: number[][] = checkouts.map(() => []);
  const mains: number[][] = checkouts.map(() => []);
  const writers: number[][] = checkouts.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = checkouts.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    const line: string[] = [];
    for (const index of order) {
      const out = execFileSync(
        process.execPath,
        [
          import.meta.filename,
          capture,
          "--child",
          "--checkout",
          checkouts[index]!,
          "--passes",
          values.passes!,
          "--in-flight",
          values["in-flight"]!,
        ],
        { encoding: "utf8", maxBuffer: 1 << 20 },
      );
      const { writes, failed, seconds } = JSON.parse(out) as {
        writes: number;
        failed: number;
        seconds: Record<string, number>;
      };
      const per = (s: number) => (1e6 * s) / writes;
      const total = Object.values(seconds).reduce((a, b) => a + b, 0);
      totals[index]!.push(per(total));
      mains[index]!.push(per(seconds.main ?? 0));
      writers[index]!.push(per(seconds.WorkerThread ?? 0));
      line[index] = `[${index}] ${per(total).toFixed(1)} µs/write (${Object.entries(seconds)
        .map(([name, s]) => `${name} ${per(s).toFixed(1)}`)
        .join(", ")})${failed ? ` failed ${failed}` : ""}`;
    }
    console.log(`round ${round + 1} (load ${loadavg()[0]!.toFixed(1)}): ${line.join("  ")}`);
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  for (const [index, checkout] of checkouts.entries()) {
    const ratio = (list: number[][]) => list[index]!.map((x, i) => x / list[0]![i]!);
    const lower = (list: number[][]) => list[index]!.filter((x, i) => x < list[0]![i]!).length;
    console.log(
      `[${index}] ${checkout}: whole ${median(totals[index]!).toFixed(1)} µs/write, ratio ${median(ratio(totals)).toFixed(3)} (lower in ${lower(totals)} of ${rounds}); main ${median(mains[index]!).toFixed(1)} (lower ${lower(mains)}), writer ${median(writers[index]!).toFixed(1)} (lower ${lower(writers)})`,
    );
  }
}
