// Helper servers started by a test, the demo or the benchmark must not outlive whoever started them.
import { fstatSync } from "node:fs";

/**
 * Calls `stop` when the parent is gone: its stdin pipe closes when the parent exits, however it exits. A terminal
 * or /dev/null on stdin is not a parent's pipe, so only a pipe is watched; the parent-pid check covers parents that
 * hand over another kind of stdin.
 */
export function exitWithParent(stop: () => void): void {
  if (isPipe(0)) process.stdin.on("end", stop).on("close", stop).resume();
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
}

function isPipe(fd: number): boolean {
  try {
    return fstatSync(fd).isFIFO();
  } catch {
    return false;
  }
}
