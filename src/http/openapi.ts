// The OpenAPI description, generated from the route schemas, served at /docs/json, readable at /docs.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { ErrorReply } from "./seller-schemas.ts";

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(ErrorReply);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Gavel ping-post lead exchange",
        version: "1",
        description:
          "Seller API: `POST /v1/ping` offers a lead's non-PII fields and returns a price; `POST /v1/post` sends the full " +
          "lead for that ping; `POST /v1/leads` does both in one call. Errors are `{error: {code, message, field?}}` with " +
          "stable `GAVEL_*` codes. The admin API configures verticals, sources, buyers and campaigns with the same shapes " +
          "as the configuration file, and returns any lead's decision trace.",
      },
      tags: [
        { name: "seller", description: "For lead sellers (Authorization: Bearer <source key>)" },
        {
          name: "inbound",
          description:
            "For sellers already posting to boberdoo, LeadsPedia or Lead Prosper: their requests and answers, unchanged",
        },
        { name: "admin", description: "For the operator (Authorization: Bearer <admin key>)" },
        { name: "operations", description: "Health" },
      ],
      components: {
        securitySchemes: {
          sourceKey: { type: "http", scheme: "bearer", description: "A source's API key" },
          adminKey: { type: "http", scheme: "bearer", description: "The admin key" },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
}
