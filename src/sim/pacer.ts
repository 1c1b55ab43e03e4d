// Open-loop pacing: events fire on a fixed schedule whether or not earlier ones have finished, the way real
// traffic arrives. (A closed loop, which waits for each answer, hides latency by slowing down with the server.)
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Calls `fire` `ratePerSecond` times a second until `signal` aborts. When timers run late, every event that has
 * fallen due fires at once, so the average rate holds at the cost of small bursts. `fire` gets the time the event
 * was due (performance.now() scale): latency measured from it includes the time the event waited to be sent,
 * which avoids coordinated omission.
 */
export async function runAtRate(
  ratePerSecond: number,
  signal: AbortSignal,
  fire: (dueAt: number) => void,
): Promise<void> {
  if (!(ratePerSecond > 0)) throw new Error("the rate must be a positive number of events per second");
  const intervalMs = 1000 / ratePerSecond;
  const start = performance.now();
  let fired = 0;
  while (!signal.aborted) {
    const due = Math.floor((performance.now() - start) / intervalMs) + 1;
    for (; fired < due; fired++) fire(start + fired * intervalMs);
    const wait = start + fired * intervalMs - performance.now();
    try {
      await sleep(Math.max(0, wait), undefined, { signal });
    } catch {
      return; // aborted
    }
  }
}
