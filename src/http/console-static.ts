// Serves the built web console (web/dist, made by `npm run build:web`) at /console: hashed assets under
// /console/assets/, and index.html for every other /console path so the single-page app owns its routes.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

export const CONSOLE_DIST = fileURLToPath(new URL("../../web/dist/", import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Gavel console</title>
<p>The web console is not built. Run <code>npm run build:web</code> (npm install does it), then restart the exchange.</p>`;

export function consoleStatic(dist: string = CONSOLE_DIST) {
  return async (app: FastifyInstance): Promise<void> => {
    // Looked for once, at start: a console built later is served after a restart.
    const built = existsSync(join(dist, "index.html"));
    if (built) {
      await app.register(fastifyStatic, {
        root: join(dist, "assets"),
        prefix: "/console/assets/",
        // Vite names assets by their content hash: they never change under the same name.
        immutable: true,
        maxAge: "365d",
        index: false,
      });
    }
    const page = async (_request: unknown, reply: FastifyReply) => {
      if (!built) return reply.code(503).type("text/html").send(NOT_BUILT);
      return reply.header("cache-control", "no-cache").sendFile("index.html", dist);
    };
    app.get("/console", { schema: { hide: true } }, page);
    app.get("/console/*", { schema: { hide: true } }, page);
  };
}
