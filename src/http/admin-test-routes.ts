// "Test this campaign": the operator sends one test ping for a campaign's vertical, with a sample of that vertical's
// non-PII fields, and reads the raw exchange: the ping's answer and that campaign's line(s) of the decision trace.
import { randomBytes } from "node:crypto";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Source } from "../domain/config-schema.ts";
import { campaignSecretValues, hideSecrets, isCredentialName } from "../domain/config-secrets.ts";
import { REASONS } from "../domain/outcomes.ts";
import { sampleLead } from "../domain/sample-lead.ts";
import type { WireExchange } from "../engine/auction.ts";
import type { Exchange } from "../engine/exchange.ts";
import { GavelError } from "../errors.ts";
import type { AuctionLogPort } from "../store/ports.ts";
import { authenticateAdmin } from "./auth.ts";
import { type TestPingAnswer, TestPingAnswerSchema, type TestPingWire } from "./test-ping-answer.ts";

export interface AdminTestRoutesOptions {
  exchange: Exchange;
  store: AuctionLogPort;
  adminKeySha256: string;
}

/** Used when the operator names no source: a test source that exists only for this route's pings. */
export const CONSOLE_TEST_SOURCE: Source = {
  id: "console-test",
  name: "Console test pings",
  status: "test",
  payout: { model: "revenue_share", percent: 80 },
};

const TestPingBody = Type.Object(
  {
    /** A configured source to ping as (its filters and routing apply); absent: the built-in test source. */
    source_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** The non-PII lead to offer; absent: a sample generated from the vertical's fields. */
    lead: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export function adminTestRoutes(options: AdminTestRoutesOptions) {
  const { exchange, store } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));

    app.post<{ Params: { id: string }; Body: { source_id?: string; lead?: Record<string, unknown> } }>(
      "/v1/admin/campaigns/:id/test-ping",
      {
        schema: {
          tags: ["admin"],
          security: [{ adminKey: [] }],
          summary:
            "Send a test ping for a campaign's vertical; answers the ping and the campaign's decision-trace lines",
          description:
            "Answers {source_id, vertical, lead, ping, trace, raw}: `trace` the campaign's decision-trace lines, " +
            "`raw` a list of its HTTP exchanges with the buyer ({request, response} or {request, failure}; empty " +
            "when the campaign was not pinged).",
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
          body: Type.Optional(TestPingBody),
          response: { 200: TestPingAnswerSchema },
        },
      },
      async (request): Promise<TestPingAnswer> => {
        const config = exchange.config;
        const campaign = config.campaignById.get(request.params.id);
        if (!campaign) throw new GavelError("GAVEL_NOT_FOUND", `No campaign ${request.params.id}`, "id");
        const vertical = config.verticalById.get(campaign.vertical);
        if (!vertical)
          throw new GavelError("GAVEL_NOT_FOUND", `No vertical ${campaign.vertical}`, "vertical");
        const sourceId = request.body?.source_id;
        const source = sourceId === undefined ? CONSOLE_TEST_SOURCE : config.sourceById.get(sourceId);
        if (!source) throw new GavelError("GAVEL_NOT_FOUND", `No source ${sourceId}`, "source_id");
        const lead = request.body?.lead ?? sampleLead(vertical);
        // A consumer of its own each time (a random e-mail hash): pressing the button twice is not a replay, nor a
        // duplicate of an earlier sale.
        const contact_hash = { email_sha256: randomBytes(32).toString("hex") };
        const wire: WireExchange[] = [];
        // The campaign's credentials as they went out (a preset's key in the body, a token in the query) are shown
        // masked, as the admin API shows them everywhere else.
        const secrets = campaignSecretValues(campaign);
        const ping = await exchange.ping(
          source,
          { vertical: vertical.id, lead, contact_hash, test: true },
          undefined,
          (exchanged) => {
            if (exchanged.campaign_id === campaign.id) wire.push(withoutSecrets(exchanged, secrets));
          },
        );
        await exchange.flush();
        const trace = (await store.getOutcomes(ping.ping_id))
          .filter((outcome) => outcome.campaign_id === campaign.id)
          .map((outcome) => ({
            phase: outcome.phase,
            campaign_id: outcome.campaign_id,
            buyer_id: outcome.buyer_id,
            outcome: outcome.reason,
            code: REASONS[outcome.reason].code,
            bid: outcome.bid_cents === undefined ? null : outcome.bid_cents / 100,
            latency_ms: outcome.latency_ms ?? null,
            ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
          }));
        // `raw` lists the campaign's HTTP exchanges as they went over the wire (none when a fixed-price campaign is
        // not pinged, or it was not eligible), seen for this ping only: live traffic is never recorded this way.
        return { source_id: source.id, vertical: vertical.id, lead, ping, trace, raw: wire.map(presentWire) };
      },
    );
  };
}

function withoutSecrets(exchanged: WireExchange, secrets: readonly string[]): WireExchange {
  if (secrets.length === 0) return exchanged;
  const { request } = exchanged;
  return {
    ...exchanged,
    request: {
      ...request,
      url: hideSecrets(request.url, secrets),
      ...(request.query === undefined ? {} : { query: hideSecrets(request.query, secrets) }),
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, hideSecrets(value, secrets)]),
      ),
      ...(request.body === undefined ? {} : { body: hideSecrets(request.body, secrets) }),
    },
  };
}

/** Longest buyer answer body shown; the rest is cut (a hostile buyer's megabyte has no place in a console). */
const MAX_SHOWN_BODY = 16_384;

function presentWire(exchanged: WireExchange): TestPingWire {
  const { request, response, failure } = exchanged;
  const url = request.query
    ? `${request.url}${request.url.includes("?") ? "&" : "?"}${request.query}`
    : request.url;
  return {
    request: {
      method: request.method,
      url,
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [
          name,
          // Headers that carry credentials: shown with all but their last 4 characters hidden.
          isCredentialName(name) ? masked(value) : value,
        ]),
      ),
      ...(request.body === undefined ? {} : { body: request.body }),
    },
    ...(response
      ? {
          response: {
            status: response.status,
            latency_ms: response.latency_ms,
            body:
              response.body.length > MAX_SHOWN_BODY
                ? `${response.body.slice(0, MAX_SHOWN_BODY)}… (${response.body.length} characters in all)`
                : response.body,
          },
        }
      : {}),
    ...(failure ? { failure } : {}),
  };
}

function masked(value: string): string {
  return value.length <= 8 ? "••••" : `••••${value.slice(-4)}`;
}
