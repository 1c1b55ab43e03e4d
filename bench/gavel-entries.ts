// The `--gavel` arguments of the A/B benches: each names a checkout's entry point, optionally after node flags
// (--gavel="--max-semi-space-size=32 src/cli/gavel.ts"). Answers each as the node arguments to spawn it with, the entry
// resolved last; with none given, prints the bench's usage and exits 2.
import { resolve } from "node:path";

export function gavelEntries(given: readonly string[] | undefined, usage: string): string[][] {
  const entries = (given ?? []).map((entry) => {
    const words = entry.trim().split(/\s+/);
    return [...words.slice(0, -1), resolve(words.at(-1)!)];
  });
  if (entries.length === 0) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return entries;
}
