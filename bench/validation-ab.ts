// Lead validation's cost on the whole ping path, in CPU time, A/B in one process: two exchanges (in process, fastify's
// inject, so no socket), the same rules-5 market and the same ping bodies, one with validation on; batches of pings
// alternate between them, so the machine's other work falls on both alike. The buyer farm runs in its own process.
//
//   node bench/validation-ab.ts [--rounds 10] [--batch 200]

import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startGavel } from "../src/app.ts";
import {
  benchPingBodies,
  buildBenchConfig,
  instantBuyers,
  withValidation,
} from "../src/sim/bench-scenario.ts";
import { startBuyerFarm } from "../src/sim/buyer-farm-client.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "10" }, batch: { type: "string", default: "200" } },
});
const rounds = Number(values.rounds);
const batch = Number(values.batch);
console.log(
  `validation A/B: ${rounds} rounds of ${batch} pings each way; load average ${loadavg()[0]!.toFixed(2)}`,
);
const farm = await startBuyerFarm(instantBuyers(5), { recordLimit: 0 });
const { config, sourceKey } = buildBenchConfig(farm.buyers, "rules-5");
const bodies = benchPingBodies("rules-5");
const dirs: string[] = [];
const start = async (file: typeof config) => {
  const dir = mkdtempSync(join(tmpdir(), "gavel-ab-"));
  dirs.push(dir);
  return startGavel({ config: file, dataDir: dir, port: 0, adminKey: "ab-admin", logLevel: "silent" });
};
const plain = await start(config);
const validating = await start(withValidation(config));
let next = 0;
const send = async (gavel: typeof plain, count: number): Promise<{ cpuMs: number; failed: number }> => {
  let failed = 0;
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const reply = await gavel.inject({
      method: "POST",
      url: "/v1/ping",
      headers: { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" },
      payload: bodies[next++ % bodies.length]!,
    });
    if (reply.statusCode !== 200 || !reply.body.includes('"bid"')) failed++;
  }
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, failed };
};
try {
  await send(plain, batch);
  await send(validating, batch);
  const totals = { plain: 0, validating: 0, plainFailed: 0, validatingFailed: 0 };
  for (let round = 0; round < rounds; round++) {
    // Each goes first in every other round: a batch also pays for what the one before it left running (the SQLite
    // writer thread, buffered events), which would otherwise fall on one side only.
    const first = round % 2 === 0;
    const a = first ? await send(plain, batch) : undefined;
    const b = await send(validating, batch);
    const c = first ? a! : await send(plain, batch);
    totals.plain += c.cpuMs;
    totals.validating += b.cpuMs;
    totals.plainFailed += c.failed;
    totals.validatingFailed += b.failed;
  }
  const n = rounds * batch;
  const perPlain = (totals.plain / n) * 1000;
  const perValidating = (totals.validating / n) * 1000;
  console.log(`  without validation: ${perPlain.toFixed(0)} µs CPU per ping (${totals.plainFailed} not bid)`);
  console.log(
    `  with validation:    ${perValidating.toFixed(0)} µs CPU per ping (${totals.validatingFailed} not bid)`,
  );
  console.log(
    `  cost: ${(((perValidating - perPlain) / perPlain) * 100).toFixed(1)}% of the ping's CPU (goal < 5%)`,
  );
  console.log(`  load average after: ${loadavg()[0]!.toFixed(2)}`);
} finally {
  await plain.close();
  await validating.close();
  await farm.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
