// Preloaded (`node --import`) into a `gavel serve` child by runUntilExit: writes to GAVEL_TEST_CONNECT_LOG when the
// child first tried to reach the port GAVEL_TEST_CONNECT_PORT and when it exited, so that a start-up test times the
// giving-up from the first attempt to reach the service, not from the spawn: Node's boot and the loading of the
// exchange's modules take seconds of CPU that a loaded machine stretches, and are not what the test is about.
import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import type { Socket } from "node:net";

const port = Number(process.env.GAVEL_TEST_CONNECT_PORT);
const log = process.env.GAVEL_TEST_CONNECT_LOG;
if (log && port) {
  let firstAttemptAt: number | undefined;
  subscribe("net.client.socket", (message) => {
    (message as { socket: Socket }).socket.on("connectionAttempt", (_ip: string, attempted: number) => {
      if (attempted === port) firstAttemptAt ??= Date.now();
    });
  });
  process.on("exit", () => writeFileSync(log, JSON.stringify({ firstAttemptAt, exitAt: Date.now() })));
}
