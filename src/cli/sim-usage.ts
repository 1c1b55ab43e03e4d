// The usage lines of gavel simulate and gavel replay, apart from their commands so `gavel help` loads neither.
export const SIMULATE_USAGE =
  "gavel simulate [--leads 600] [--seed 42] [--chart gavel-simulate.svg]   (--leads 5000: a bigger run)";
export const REPLAY_USAGE =
  "gavel replay --from <date or time> --to <date or time> --config candidate.json [--data-dir ./data] [--json]";
