// CPU and bytes per call of the per-ping functions in lead validation, the rules' cap periods and the native buyer
// adapter, in process, for one or more checkouts side by side (each its own module graph), rounds alternating between
// them so the machine's other work falls on each alike. What a whole-exchange A/B (bench/ab-cpu.ts) cannot resolve: a
// few hundred ns a ping.
//
//   node bench/lead-path-micro.ts --root <base checkout> --root <yours> [--rounds 6] [--calls 200000] [--case <prefix>]
//
// Cases, with the vertical and time zone as `gavel serve` reads them from its JSON configuration: `validateLead` of the
// benchmark's 500 ping leads (rules-5 bodies) and of 500 full leads as a post checks them; `assessLead` of the ping
// leads with the benchmark's validation rules (ZIP and state, form timing); a native auction's five ping bodies
// (`buildPingBody`, a new payload object per auction as the engine makes); a native post's body (`buildPostBody` of a
// full lead, the post's canonical lead); a cap unit's period key and end
// (`periodKey`, `periodEnd`, as the engine's `addUnits` asks for each unit of each campaign); a farm buyer's bid reply
// read by `parsePingReply`. CPU from `process.threadCpuUsage`; bytes from the heap used at the end minus at the start
// plus what every GC in between freed (`v8.GCProfiler`).
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { GCProfiler } from "node:v8";

const { values } = parseArgs({
  options: {
    root: { type: "string", multiple: true, default: ["."] },
    rounds: { type: "string", default: "6" },
    calls: { type: "string", default: "200000" },
    case: { type: "string", multiple: true },
  },
});
const roots = values.root.map((root) => resolve(root));
const rounds = Number(values.rounds);
const calls = Number(values.calls);

const load = <T>(root: string, path: string) => import(pathToFileURL(join(root, path)).href) as Promise<T>;
type Sim = typeof import("../src/sim/bench-scenario.ts");
type Generator = typeof import("../src/sim/lead-generator.ts");
type Random = typeof import("../src/sim/random.ts");
type VerticalModule = typeof import("../src/domain/vertical.ts");
type Quality = typeof import("../src/compliance/validation/lead-quality.ts");
type Native = typeof import("../src/buyers/native-adapter.ts");
type Verticals = typeof import("../src/domain/verticals/personal-injury.ts");
type Periods = typeof import("../src/domain/rules/periods.ts");

const sim = await load<Sim>(roots[0]!, "src/sim/bench-scenario.ts");
const generator = await load<Generator>(roots[0]!, "src/sim/lead-generator.ts");
const { seededRandom } = await load<Random>(roots[0]!, "src/sim/random.ts");
const pingLeads = sim
  .benchPingBodies("rules-5")
  .map((body) => JSON.parse(body).lead as Record<string, unknown>);
const random = seededRandom(99);
const postLeads = Array.from({ length: 500 }, () => generator.generateLead(sim.BENCH_VERTICAL, random).lead);
const replies = Array.from({ length: 500 }, (_, i) =>
  JSON.stringify({ bid: true, price: 10 + (i % 40) + 0.25, bid_id: randomUUID() }),
);
const now = Date.now();
const timing = { now, formSubmittedAt: now - 60_000, formStartedAt: now - 120_000 };

/** One checkout's cases: each runs `n` calls over the inputs in turn and returns something so nothing is dead code. */
async function casesOf(root: string): Promise<Record<string, (n: number) => unknown>> {
  const { validateLead, buildPingPayload } = await load<VerticalModule>(root, "src/domain/vertical.ts");
  const { assessLead } = await load<Quality>(root, "src/compliance/validation/lead-quality.ts");
  const { buildPingBody, buildPostBody, parsePingReply } = await load<Native>(
    root,
    "src/buyers/native-adapter.ts",
  );
  const { personalInjury } = await load<Verticals>(root, "src/domain/verticals/personal-injury.ts");
  const { periodKey, periodEnd } = await load<Periods>(root, "src/domain/rules/periods.ts");
  // As `gavel serve` has them: a campaign's time zone read from its JSON configuration.
  const zone = JSON.parse('"America/New_York"') as string;
  // As `gavel serve` has it: read from its JSON configuration file (its longer strings are then not V8's keys).
  const vertical = JSON.parse(JSON.stringify(personalInjury)) as typeof personalInjury;
  const rules = sim.withValidation({ verticals: [vertical] }).verticals![0]!.validation!;
  const payloads = pingLeads.map((lead) => buildPingPayload(vertical, lead));
  return {
    "validateLead ping": (n) => {
      let kept = 0;
      for (let i = 0; i < n; i++) if (validateLead(vertical, pingLeads[i % 500], "ping").ok) kept++;
      return kept;
    },
    "validateLead post": (n) => {
      let kept = 0;
      for (let i = 0; i < n; i++) if (validateLead(vertical, postLeads[i % 500], "post").ok) kept++;
      return kept;
    },
    "assessLead ping": (n) => {
      let score = 0;
      for (let i = 0; i < n; i++) score += assessLead(payloads[i % 500]!, rules, timing).score;
      return score;
    },
    "buildPingBody ×5 (one auction)": (n) => {
      let length = 0;
      for (let i = 0; i < n; i++) {
        // A new payload object per auction, as the engine builds one per ping.
        const lead = { ...payloads[i % 500] };
        const requestId = `auc_${i}`;
        for (let campaign = 0; campaign < 5; campaign++)
          length += buildPingBody({
            requestId,
            vertical: vertical.id,
            lead,
            tmaxMs: 300,
            test: false,
          }).length;
      }
      return length;
    },
    "buildPostBody (a full lead)": (n) => {
      let length = 0;
      const consent = { tcpa: true, trustedform_cert_url: "https://cert.trustedform.com/0123456789abcdef" };
      for (let i = 0; i < n; i++)
        length += buildPostBody({
          requestId: `auc_${i}`,
          bidId: "b-123",
          priceCents: 1250 + (i % 7),
          lead: postLeads[i % 500]!,
          consent,
        }).length;
      return length;
    },
    "periodKey+periodEnd (a cap unit)": (n) => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const period = (["hour", "day", "month"] as const)[i % 3]!;
        sum += periodKey(period, zone, now).length + periodEnd(period, zone, now);
      }
      return sum;
    },
    "parsePingReply bid": (n) => {
      let cents = 0;
      for (let i = 0; i < n; i++) {
        const reply = parsePingReply(200, replies[i % 500]!);
        if (reply.kind === "bid") cents += reply.priceCents;
      }
      return cents;
    },
  };
}

const checkouts = await Promise.all(roots.map(async (root) => ({ root, cases: await casesOf(root) })));
const names = Object.keys(checkouts[0]!.cases).filter(
  (name) => !values.case || values.case.some((wanted) => name.startsWith(wanted)),
);

function measure(run: (n: number) => unknown, n: number): { ns: number; bytes: number } {
  const profiler = new GCProfiler();
  profiler.start();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.threadCpuUsage();
  run(n);
  const cpu = process.threadCpuUsage(cpuBefore);
  const heapAfter = process.memoryUsage().heapUsed;
  const gcs = profiler.stop();
  let freed = 0;
  for (const gc of gcs?.statistics ?? [])
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  return { ns: ((cpu.user + cpu.system) * 1000) / n, bytes: (heapAfter - heapBefore + freed) / n };
}

console.log(
  `lead-path-micro: ${calls} calls per case and round, ${rounds} rounds; load average ${loadavg()[0]!.toFixed(2)}`,
);
for (const [index, { root }] of checkouts.entries()) console.log(`  [${index}] ${root}`);
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
for (const name of names) {
  // Warm-up: the JIT and the caches, each checkout alike.
  for (const { cases } of checkouts) cases[name]!(Math.min(calls, 20_000));
  const results = checkouts.map(() => ({ ns: [] as number[], bytes: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    const order = checkouts.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    for (const index of order) {
      const { ns, bytes } = measure(checkouts[index]!.cases[name]!, calls);
      results[index]!.ns.push(ns);
      results[index]!.bytes.push(bytes);
    }
  }
  const line = results.map(
    ({ ns, bytes }, index) =>
      `[${index}] ${median(ns).toFixed(0)} ns (${Math.min(...ns).toFixed(0)}–${Math.max(...ns).toFixed(0)}), ${median(bytes).toFixed(0)} B`,
  );
  console.log(`${name.padEnd(32)} ${line.join("   ")}`);
}
