// gavel demo: a whole market on one machine. A buyer farm (child process) with seven buyers of different habits,
// the exchange in this process, and simulated sources sending ~20 leads a second; one summary line every 3 s.
//
//   npm run demo                      run until Ctrl-C
//   npm run demo -- --duration 30     stop by itself after 30 s
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startGavel } from "../app.ts";
import type { NewUser } from "../console/console-auth.ts";
import { type BuyerFarm, startBuyerFarm } from "../sim/buyer-farm-client.ts";
import type { BuyerStats } from "../sim/buyer-farm-protocol.ts";
import { dollars, formatSummaryLine, postRejectsBetween, sumCounter } from "../sim/demo-report.ts";
import { buildDemoSetup, DEMO_BUYER_BEHAVIORS, type DemoSetup } from "../sim/demo-scenario.ts";
import { type LeadResult, runSourceSimulator } from "../sim/source-sim.ts";
import { summarizeTraffic } from "../sim/traffic-summary.ts";

const USAGE = "gavel demo [--duration <seconds>] [--rate <leads per second>] [--port <port>]";
const REPORT_EVERY_MS = 3000;
const DATA_DIR = ".gavel/demo";

export async function runDemo(args: string[]): Promise<void> {
  const options = parseDemoArgs(args);
  const stop = new AbortController();
  // First Ctrl-C stops cleanly; a second one, for the impatient, stops at once.
  const onSignal = () => (stop.signal.aborted ? process.exit(130) : stop.abort());
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let deadline: NodeJS.Timeout | undefined;

  const dataDir = resolve(DATA_DIR);
  rmSync(dataDir, { recursive: true, force: true });
  const farm = await startBuyerFarm([...DEMO_BUYER_BEHAVIORS]);
  try {
    const setup = buildDemoSetup(farm.buyers);
    const consolePassword = randomBytes(6).toString("hex");
    const consoleUsers = demoConsoleUsers(setup, consolePassword);
    const gavel = await startGavel({
      config: setup.config,
      consoleUsers,
      dataDir,
      port: options.port,
      adminKey: setup.adminKey,
      logLevel: "warn",
    });
    try {
      printBanner(gavel.url, setup, options.rate, consoleUsers, consolePassword);
      // The duration counts traffic, not start-up.
      if (options.durationS) deadline = setTimeout(() => stop.abort(), options.durationS * 1000);
      await runMarket(gavel.url, setup, farm, options.rate, stop.signal);
    } finally {
      await gavel.close();
    }
  } finally {
    clearTimeout(deadline);
    await farm.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Sends leads until `signal` aborts, printing a summary line per window and the totals at the end. */
async function runMarket(url: string, setup: DemoSetup, farm: BuyerFarm, rate: number, signal: AbortSignal) {
  const started = performance.now();
  let window: LeadResult[] = [];
  let windowStarted = started;
  let farmStats: Record<string, BuyerStats> = await farm.stats();
  let fallbacksSoFar = await exchangeFallbacks(url);
  const totals = { leads: 0, sold: 0, paidCents: 0, rejected: 0, resold: 0 };

  const report = async () => {
    const now = performance.now();
    const traffic = summarizeTraffic(window);
    window = [];
    const [latestStats, latestFallbacks] = await Promise.all([
      farm.stats().catch(() => farmStats),
      exchangeFallbacks(url).catch(() => fallbacksSoFar),
    ]);
    const posts = {
      rejected: postRejectsBetween(farmStats, latestStats),
      resold: latestFallbacks - fallbacksSoFar,
    };
    [farmStats, fallbacksSoFar] = [latestStats, latestFallbacks];
    totals.leads += traffic.leads;
    totals.sold += traffic.sold;
    totals.paidCents += traffic.sold * (traffic.averagePriceCents || 0);
    totals.rejected += posts.rejected;
    totals.resold += posts.resold;
    console.log(formatSummaryLine((now - started) / 1000, (now - windowStarted) / 1000, traffic, posts));
    windowStarted = now;
  };

  // Reports are chained so a slow farm answer never lets two of them interleave.
  let reporting = Promise.resolve();
  const timer = setInterval(() => {
    reporting = reporting.then(report);
  }, REPORT_EVERY_MS);
  try {
    await runSourceSimulator({
      exchangeUrl: url,
      sources: setup.sources,
      ratePerSecond: rate,
      signal,
      onLead: (result) => window.push(result),
    });
  } finally {
    clearInterval(timer);
  }
  await reporting;
  if (window.length) await report();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\ndemo stopped after ${seconds.toFixed(0)} s: ${totals.leads} leads, ${totals.sold} sold, ` +
      `${dollars(totals.paidCents)} paid to sources, ${totals.rejected} posts rejected, ${totals.resold} of those leads resold`,
  );
}

/** Leads sold to a bidder other than the auction's winner, as the exchange counts them. */
async function exchangeFallbacks(url: string): Promise<number> {
  const response = await fetch(`${url}/metrics`);
  return sumCounter(await response.text(), "gavel_fallbacks_total");
}

/** One console user per role, all with this run's password: the operator, the first buyer's and the first source's. */
function demoConsoleUsers(setup: DemoSetup, password: string): NewUser[] {
  const buyer = setup.config.buyers?.[0];
  const source = setup.sources[0];
  return [
    { email: "operator@demo.gavel", role: "operator", password },
    ...(buyer ? [{ email: "buyer@demo.gavel", role: "buyer" as const, party_id: buyer.id, password }] : []),
    ...(source
      ? [{ email: "source@demo.gavel", role: "source" as const, party_id: source.id, password }]
      : []),
  ];
}

function printBanner(
  url: string,
  setup: DemoSetup,
  rate: number,
  consoleUsers: readonly NewUser[],
  consolePassword: string,
): void {
  const source = setup.sources[0]!;
  console.log(
    [
      `Gavel demo: ${DEMO_BUYER_BEHAVIORS.length} simulated buyers, ${setup.sources.length} sources, ~${rate} leads/s`,
      `  exchange    ${url}`,
      `  console     ${url}/console  (password ${consolePassword} for ${consoleUsers
        .map((user) => `${user.email}${user.party_id ? ` (${user.party_id})` : ""}`)
        .join(", ")})`,
      `  API docs    ${url}/docs`,
      `  admin key   ${setup.adminKey}`,
      `  a lead      curl -H "Authorization: Bearer ${setup.adminKey}" "${url}/v1/admin/leads?limit=1"`,
      `  source key  ${source.apiKey}  (${source.id}: send your own leads)`,
      "",
      "bid = pings that got a bid; sold = leads sold; avg = paid to the source; ping pN = seller-visible latency;",
      "post rejects = posts a winning buyer rejected or failed; resold = leads the exchange then sold to the next",
      "bidder (its gavel_fallbacks_total metric). Ctrl-C stops.",
      "",
    ].join("\n"),
  );
}

interface DemoOptions {
  durationS?: number;
  rate: number;
  port: number;
}

function parseDemoArgs(args: string[]): DemoOptions {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string" },
      rate: { type: "string", default: "20" },
      port: { type: "string", default: "0" },
    },
  });
  const durationS = values.duration === undefined ? undefined : Number(values.duration);
  const rate = Number(values.rate);
  const port = Number(values.port);
  if ((durationS !== undefined && !(durationS > 0)) || !(rate > 0) || !Number.isInteger(port)) {
    throw new Error(`usage: ${USAGE}`);
  }
  return { ...(durationS !== undefined && { durationS }), rate, port };
}
