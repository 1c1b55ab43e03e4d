// Every lifecycle fixture in lifecycle/*.json: one exchange in this process per file (scenario-runner.ts), its
// scenarios played on it in order. On GAVEL_TEST_BACKEND=distributed only the files marked `distributed` run: the
// others do not depend on the backend.
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { BACKEND } from "../helpers/test-backend.ts";
import { type ScenarioExchange, type ScenarioFile, startScenarioExchange } from "./scenario-runner.ts";

const folder = new URL("./lifecycle/", import.meta.url);

for (const file of readdirSync(folder)
  .filter((name) => name.endsWith(".json"))
  .sort()) {
  const fixture = JSON.parse(readFileSync(new URL(file, folder), "utf8")) as ScenarioFile;
  const skip = BACKEND === "distributed" && !fixture.distributed;
  describe(`[${BACKEND}] ${file}`, { skip: skip && "does not depend on the backend: runs embedded" }, () => {
    let exchange: ScenarioExchange;
    before(async () => {
      exchange = await startScenarioExchange(fixture.exchange, BACKEND);
    });
    after(() => exchange?.close());
    for (const scenario of fixture.scenarios) test(scenario.description, () => exchange.run(scenario));
  });
}
