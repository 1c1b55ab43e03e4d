// gavel simulate: the market simulator. Runs the real exchange once per scenario on the same simulated leads (firms and
// sources built from first principles: src/sim/market-model.ts) and compares what each rule does to the numbers.
//
//   gavel simulate                          600 leads per scenario, seed 42 (well under a minute)
//   gavel simulate --leads 5000 --seed 7    a bigger run
//   gavel simulate --chart market.svg       where the chart goes (default gavel-simulate.svg)
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { figuresSvg, formatFiguresTable, scenarioFigures } from "../sim/market-report.ts";
import { DEFAULT_SIMULATION, simulateMarket } from "../sim/market-simulation.ts";
import { SIMULATE_USAGE } from "./sim-usage.ts";

/** The most leads per scenario: the run must stay inside one virtual day (the buyers' caps are daily). */
const MAX_LEADS = 20_000;

export async function runSimulate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      leads: { type: "string", default: String(DEFAULT_SIMULATION.leads) },
      seed: { type: "string", default: String(DEFAULT_SIMULATION.seed) },
      chart: { type: "string", default: "gavel-simulate.svg" },
    },
  });
  const leads = Number(values.leads);
  const seed = Number(values.seed);
  if (!Number.isInteger(leads) || leads < 1 || leads > MAX_LEADS)
    throw new Error(`--leads must be a whole number from 1 to ${MAX_LEADS}; usage: ${SIMULATE_USAGE}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number; usage: ${SIMULATE_USAGE}`);
  const options = {
    ...DEFAULT_SIMULATION,
    leads,
    seed,
    gapMs: Math.min(DEFAULT_SIMULATION.gapMs, 72_000_000 / leads),
  };
  const started = performance.now();
  console.log(`gavel simulate: ${leads} leads per scenario, seed ${seed}`);
  const results = await simulateMarket(options, undefined, (totals) =>
    console.log(`  ${totals.scenario.id}: ${totals.sold} of ${totals.offered} leads sold`),
  );
  const figures = scenarioFigures(results);
  console.log(`\n${formatFiguresTable(figures)}\n`);
  writeFileSync(
    values.chart,
    figuresSvg(
      figures,
      `${leads} leads per scenario, seed ${seed}; relative figures against ${figures[0]?.title}`,
    ),
  );
  console.log(
    `chart: ${values.chart}; ${((performance.now() - started) / 1000).toFixed(1)} s. Columns: docs/market-mechanics.md`,
  );
}
