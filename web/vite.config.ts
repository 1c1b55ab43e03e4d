// Builds the console into web/dist, served by the exchange at /console (src/http/console-static.ts).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  // `vite` (dev) proxies the APIs to an exchange on :8080.
  server: { proxy: { "/v1": "http://127.0.0.1:8080" } },
});
