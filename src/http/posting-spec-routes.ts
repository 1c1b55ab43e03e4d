// The hosted posting spec: what a source reads to post one vertical's leads (fields, endpoints in each flavour,
// examples, test mode), as JSON or as a page. Reached with the source's own API key, or from the source portal.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Source } from "../domain/config-schema.ts";
import type { ConfigService } from "../engine/config-service.ts";
import { GavelError } from "../errors.ts";
import { postingSpec, postingSpecHtml } from "../inbound/posting-spec.ts";
import { PostingSpecSchema } from "../inbound/posting-spec-schema.ts";
import { authenticateSource } from "./auth.ts";

/**
 * The spec as JSON (serialised with its schema), or as a page (?format=html): fastify picks the schema by the answer's
 * content type, and sends the page, a string typed text/html, as it is.
 */
export const PostingSpecAnswer = {
  description: "The posting spec as JSON, or as an HTML page with ?format=html",
  content: {
    "application/json": { schema: PostingSpecSchema },
    "text/html": {
      schema: Type.String({ description: "The same spec as a page a seller's developer reads" }),
    },
  },
};

export function postingSpecRoutes(options: { config: ConfigService }) {
  const { config } = options;
  /** A source user's console session, or the source's API key. */
  const sourceOf = (request: FastifyRequest): Source => {
    const user = request.consoleUser;
    if (user?.role === "source") {
      const source = config.snapshot.sourceById.get(user.party_id ?? "");
      if (!source) throw new GavelError("GAVEL_UNAUTHORIZED", "This user's source no longer exists");
      return source;
    }
    return authenticateSource(request, config.snapshot);
  };

  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: { vertical: string }; Querystring: { format?: "json" | "html" } }>(
      "/v1/posting-spec/:vertical",
      {
        schema: {
          tags: ["seller"],
          summary:
            "This source's posting spec for a vertical: fields, endpoints (native and compatible), examples, test mode",
          description:
            "The source's API key (Bearer) or a source user's console session. ?format=html for a page.",
          security: [{ sourceKey: [] }],
          params: Type.Object({
            vertical: Type.String({ minLength: 1, maxLength: 64, pattern: "^[^\\u0000]+$" }),
          }),
          querystring: Type.Object(
            { format: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("html")])) },
            { additionalProperties: false },
          ),
          response: { 200: PostingSpecAnswer },
        },
      },
      async (request, reply) => {
        const source = sourceOf(request);
        const vertical = config.snapshot.verticalById.get(request.params.vertical);
        if (!vertical) {
          throw new GavelError("GAVEL_NOT_FOUND", `No vertical ${request.params.vertical}`, "vertical");
        }
        if (source.verticals?.length && !source.verticals.includes(vertical.id)) {
          throw new GavelError(
            "GAVEL_FORBIDDEN",
            `This source may not send ${vertical.id} leads`,
            "vertical",
          );
        }
        const spec = postingSpec(source, vertical, `${request.protocol}://${request.host}`);
        if (request.query.format === "html")
          return reply.type("text/html; charset=utf-8").send(postingSpecHtml(spec));
        return spec;
      },
    );
  };
}
