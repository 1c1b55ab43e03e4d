// Micro-benchmarks of session 23's post-path cuts (issue 14), old and new in one process, alternating runs:
//   hash     what one leadContactHashes call costs (a direct post made two; the SQLite writer thread one per sale)
//   row      leadRowValues hashing the lead's contacts, against given the sale's hashes
//   message  the saveLead request the writer thread is sent (structuredClone: the serialiser postMessage uses, both ends), with the
//            hashes and without (what passing them costs the main thread and the writer)
//   ping     the native ping bodies of one auction's campaigns: built per campaign (as before) against once per
//            distinct body; `--campaigns` campaigns, `--budgets` distinct budgets among them
//
//   node bench/post-path-cuts.ts [--runs 9] [--n 20000] [--campaigns 5] [--budgets 1]

import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { buildPingBody, type PingRequestInput } from "../src/buyers/native-adapter.ts";
import { leadContactHashes } from "../src/compliance/suppression/suppression-hash.ts";
import { generateLead, pingPart } from "../src/sim/lead-generator.ts";
import { leadRowValues, SQLITE_CODEC } from "../src/store/record-rows.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "9" },
    n: { type: "string", default: "20000" },
    campaigns: { type: "string", default: "5" },
    budgets: { type: "string", default: "1" },
  },
});
const runs = Number(values.runs);
const n = Number(values.n);
const campaigns = Number(values.campaigns);
const budgets = Number(values.budgets);
console.log(
  `post-path cuts: ${runs} alternating runs of ${n}; ${campaigns} campaigns, ${budgets} budget(s); load average ${loadavg()[0]!.toFixed(2)}`,
);

const leads = Array.from({ length: 256 }, () => generateLead("personal_injury").lead);
const records = leads.map((lead, i) => ({
  id: `lead-${i}`,
  auction_id: `auction-${i}`,
  kind: "direct" as const,
  source_id: "source-1",
  vertical: "personal_injury",
  lead,
  consent: { trustedform_cert_url: "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567" },
  test: false,
  status: "sold" as const,
  price_cents: 1000,
  buyer_price_cents: 1500,
  campaign_id: "campaign-1",
  buyer_id: "buyer-1",
  created_at: Date.now(),
}));
const hashes = leads.map((lead) => leadContactHashes(lead));

/** The native ping body as it was built before: the lead's JSON cached per payload, the body per campaign. */
const oldLeadJson = new WeakMap<object, string>();
function oldBuildPingBody(input: PingRequestInput): string {
  let lead = oldLeadJson.get(input.lead);
  if (lead === undefined) {
    lead = JSON.stringify(input.lead);
    oldLeadJson.set(input.lead, lead);
  }
  const quality =
    input.qualityScore === undefined ? "" : `,"quality_score":${JSON.stringify(input.qualityScore)}`;
  return `{"request_id":${JSON.stringify(input.requestId)},"vertical":${JSON.stringify(input.vertical)},"lead":${lead},"tmax_ms":${JSON.stringify(input.tmaxMs)},"test":${input.test}${quality}}`;
}

let sink = 0;
function timeUs(work: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) work(i);
  return Number(process.hrtime.bigint() - start) / 1e3 / n;
}

const pingCase = (build: (input: PingRequestInput) => string) => (i: number) => {
  // A new payload per auction, as the engine builds one.
  const lead = pingPart("personal_injury", leads[i % leads.length]!);
  // One id string per auction, as the engine passes its auction id to every campaign.
  const requestId = `auction-${i}`;
  for (let c = 0; c < campaigns; c++) {
    sink += build({
      requestId,
      vertical: "personal_injury",
      lead,
      tmaxMs: 300 + (c % budgets),
      test: false,
      sourceId: "source-1",
    }).length;
  }
};
const message = (contact: boolean) => (i: number) => {
  const k = i % leads.length;
  const args = [records[k], [], [], [], ...(contact ? [hashes[k]] : [])];
  sink += structuredClone({ id: i, request: { op: "saveLead", args } }).id;
};

const cases: [string, (i: number) => void, (i: number) => void][] = [
  [
    "hash (one leadContactHashes; new = none)",
    (i) => (sink += Object.keys(leadContactHashes(leads[i % leads.length]!)).length),
    () => {},
  ],
  [
    "row (leadRowValues)",
    (i) => (sink += leadRowValues(records[i % leads.length]!, SQLITE_CODEC).length),
    (i) => (sink += leadRowValues(records[i % leads.length]!, SQLITE_CODEC, hashes[i % leads.length]).length),
  ],
  ["message (saveLead request, without → with hashes)", message(false), message(true)],
  [`ping bodies per auction (${campaigns} campaigns)`, pingCase(oldBuildPingBody), pingCase(buildPingBody)],
];

for (const [name, before, after] of cases) {
  const old: number[] = [];
  const now: number[] = [];
  timeUs(before);
  timeUs(after);
  for (let r = 0; r < runs; r++) {
    old.push(timeUs(before));
    now.push(timeUs(after));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  console.log(
    `${name}: before ${median(old).toFixed(2)} µs (${range(old)}), after ${median(now).toFixed(2)} µs (${range(now)})`,
  );
}
if (sink === 0.5) console.log(sink);
