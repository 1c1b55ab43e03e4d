// Builds the web console (web/ → web/dist) with Vite: npm's `prepare` runs it after every install, so a fresh clone's
// `npm install` leaves a console ready to serve. An install without dev dependencies has no Vite: it says so and
// leaves web/dist as it is (the exchange then serves what is there, or a page saying how to build it).
import { fileURLToPath } from "node:url";

const CONFIG = fileURLToPath(new URL("../../web/vite.config.ts", import.meta.url));

let vite: typeof import("vite");
try {
  vite = await import("vite");
} catch {
  console.log("gavel: Vite is not installed (no dev dependencies), so the web console is not built");
  process.exit(0);
}
await vite.build({ configFile: CONFIG, logLevel: "warn" });
