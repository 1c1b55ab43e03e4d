// The operator's campaigns: pricing, filters, rules, schedule, caps, endpoints, delivery and integration in structured
// editors (each with JSON as the escape hatch), consent and routing; and "test this campaign", which shows the raw
// exchange.
import { useState } from "react";
import { QUALITY_SCORE_FIELD } from "../../../src/domain/rules/quality-score.ts";
import type { TestPingWire } from "../../../src/http/test-ping-answer.ts";
import { get, money, post } from "../api.ts";
import { useData } from "../use-data.ts";
import { Badge, Problem } from "./common.tsx";
import { PauseResume } from "./config-actions.tsx";
import { ConfigList, type Entity, type FieldSpec } from "./config-form.tsx";
import { capsEditor } from "./editors/caps-editor.tsx";
import { deliveryEditor } from "./editors/delivery-editor.tsx";
import { endpointEditor } from "./editors/endpoint-editor.tsx";
import { filtersEditor } from "./editors/filters-editor.tsx";
import { integrationEditor } from "./editors/integration-editor.tsx";
import { pricingEditor } from "./editors/pricing-editor.tsx";
import { rulesEditor } from "./editors/rules-editor.tsx";
import { scheduleEditor } from "./editors/schedule-editor.tsx";
import type { FieldDefinition } from "./editors/schema-options.ts";
import { WhatIfLink } from "./what-if.tsx";

/** The campaign's fields; its buyer and vertical are chosen from those configured, its filters from the vertical's. */
const campaignFields = (
  buyers: readonly string[],
  fieldsByVertical: Readonly<Record<string, readonly FieldDefinition[]>>,
  ruleFieldsByVertical: Readonly<Record<string, readonly FieldDefinition[]>>,
): readonly FieldSpec[] => [
  { name: "id", kind: "text", required: true },
  { name: "name", kind: "text", required: true },
  { name: "buyer_id", kind: "select", options: buyers },
  { name: "vertical", kind: "select", options: Object.keys(fieldsByVertical) },
  { name: "status", kind: "select", options: ["active", "paused", "test"], required: true },
  { name: "pricing", kind: "editor", editor: pricingEditor },
  {
    name: "filters",
    kind: "editor",
    label: "filters (a lead must meet all)",
    editor: filtersEditor(fieldsByVertical),
  },
  {
    name: "rules",
    kind: "editor",
    label: "rules (all / any / not; AND-ed with filters)",
    editor: rulesEditor(ruleFieldsByVertical),
  },
  { name: "schedule", kind: "editor", label: "schedule (hours of operation)", editor: scheduleEditor },
  { name: "caps", kind: "editor", editor: capsEditor },
  { name: "source_caps", kind: "editor", label: "source_caps (per source)", editor: capsEditor },
  { name: "ping", kind: "editor", label: "ping endpoint (realtime pricing)", editor: endpointEditor },
  { name: "post", kind: "editor", label: "post endpoint", editor: endpointEditor },
  {
    name: "delivery",
    kind: "editor",
    label: "delivery (e-mail or webhook, instead of a post)",
    editor: deliveryEditor,
  },
  {
    name: "integration",
    kind: "editor",
    label: "integration (absent: the native protocol)",
    editor: integrationEditor(fieldsByVertical),
  },
  { name: "consent_requirement", kind: "select", options: ["none", "trustedform", "jornaya", "either"] },
  { name: "priority", kind: "number", label: "priority (1 first, under priority routing)" },
  { name: "weight", kind: "number", label: "weight (under weighted routing)" },
  { name: "lead_type", kind: "select", options: ["exclusive", "shared", "either"] },
  { name: "max_pings_per_minute", kind: "number" },
  { name: "return_window_days", kind: "number" },
];

export function ConfigCampaigns() {
  const choices = useData("campaign-choices", async () => {
    const [buyers, verticals, sources] = await Promise.all([
      get<{ buyers: Entity[] }>("/v1/admin/buyers"),
      get<{ verticals: Entity[] }>("/v1/admin/verticals"),
      get<{ sources: Entity[] }>("/v1/admin/sources"),
    ]);
    const fieldsOf = (vertical: Entity) => (vertical.fields ?? []) as readonly FieldDefinition[];
    const specs = campaignFields(
      buyers.buyers.map((buyer) => buyer.id),
      Object.fromEntries(verticals.verticals.map((vertical) => [vertical.id, fieldsOf(vertical)])),
      // Rules may also read the lead's quality score where the vertical validates leads (as the server checks).
      Object.fromEntries(
        verticals.verticals.map((vertical) => [
          vertical.id,
          vertical.validation === undefined
            ? fieldsOf(vertical)
            : [...fieldsOf(vertical), QUALITY_SCORE_FIELD],
        ]),
      ),
    );
    return { specs, sources: sources.sources.map((source) => source.id) };
  });
  if (!choices.data) return <Problem error={choices.error} />;
  return (
    <ConfigList
      title="Campaigns"
      plural="campaigns"
      specs={choices.data.specs}
      blank={() => ({ id: "", name: "", buyer_id: "", vertical: "", status: "active", filters: [] })}
      columns={(campaign) => `${campaign.buyer_id} · ${campaign.vertical}`}
      actions={(campaign, reload) => (
        <>
          <WhatIfLink kind="campaign" id={campaign.id} />
          <PauseResume plural="campaigns" entity={campaign} onChanged={reload} />
          <TestCampaign campaign={campaign} sources={choices.data?.sources ?? []} />
        </>
      )}
    />
  );
}

/**
 * Sends one test ping for the campaign's vertical, from the built-in test source or a configured one (whose routing
 * then applies), and shows what came back, as it came.
 */
function TestCampaign({ campaign, sources }: { campaign: Entity; sources: readonly string[] }) {
  const [exchange, setExchange] = useState<unknown>();
  const [running, setRunning] = useState(false);
  const [sourceId, setSourceId] = useState("");
  return (
    <>
      <select
        aria-label="test ping source"
        data-testid={`test-source-${campaign.id}`}
        value={sourceId}
        onChange={(event) => setSourceId(event.target.value)}
      >
        <option value="">built-in test source</option>
        {sources.map((id) => (
          <option key={id} value={id}>
            as {id}
          </option>
        ))}
      </select>
      <button
        type="button"
        data-testid={`test-${campaign.id}`}
        disabled={running}
        onClick={async () => {
          setRunning(true);
          try {
            const path = `/v1/admin/campaigns/${encodeURIComponent(campaign.id)}/test-ping`;
            setExchange(await post(path, sourceId ? { source_id: sourceId } : {}));
          } catch (error) {
            setExchange({ error: (error as Error).message });
          } finally {
            setRunning(false);
          }
        }}
      >
        Test this campaign
      </button>
      {exchange !== undefined && <TestResult campaignId={campaign.id} result={exchange} />}
    </>
  );
}

/**
 * The test's outcome: the campaign's HTTP exchange as it crossed the wire (the request its buyer received and the
 * answer; a JSON body indented for reading), then everything the exchange answered, as JSON.
 */
function TestResult({ campaignId, result }: { campaignId: string; result: unknown }) {
  const raw = (result as { raw?: TestPingWire[] }).raw ?? [];
  const failed = (result as { error?: string }).error;
  // The campaign's own decision: its last trace line (the ping's answer). The ping's overall bid is the auction's
  // best over every buyer, which is not this campaign's, so it is not shown as if it were.
  const own = ((result as { trace?: OwnLine[] }).trace ?? []).at(-1);
  return (
    <div className="raw-exchange" data-testid={`test-result-${campaignId}`}>
      {failed && <p className="problem">{failed}</p>}
      {!failed && (
        <p className="verdict" data-testid={`test-verdict-${campaignId}`}>
          {own ? (
            <>
              This campaign: <Badge value={own.outcome} />{" "}
              {own.bid !== null && own.bid !== undefined ? `bid ${money(own.bid)}` : "no bid"}
              {own.latency_ms !== null && own.latency_ms !== undefined && ` in ${own.latency_ms} ms`}
              {own.detail && <span className="why"> — {own.detail}</span>}
            </>
          ) : (
            "This campaign was not asked: no decision of its own was recorded for the test ping."
          )}
        </p>
      )}
      {raw.length === 0 && (
        <p className="muted" data-testid={`wire-none-${campaignId}`}>
          No HTTP request went to the buyer (a fixed-price campaign bids its price; or it was not eligible:
          see the trace).
        </p>
      )}
      {raw.map((wire, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a test ping's exchanges never reorder
        <div key={index} className="wire" data-testid={`wire-${campaignId}`}>
          <h4>Request the buyer received</h4>
          <pre data-testid={`wire-request-${campaignId}`}>
            {`${wire.request.method} ${wire.request.url}\n`}
            {Object.entries(wire.request.headers)
              .map(([name, value]) => `${name}: ${value}\n`)
              .join("")}
            {wire.request.body === undefined ? "" : `\n${pretty(wire.request.body)}`}
          </pre>
          <h4>{wire.response ? "Its answer" : "No answer"}</h4>
          <pre data-testid={`wire-response-${campaignId}`}>
            {wire.response
              ? `HTTP ${wire.response.status} in ${wire.response.latency_ms} ms\n\n${pretty(wire.response.body)}`
              : wire.failure}
          </pre>
        </div>
      ))}
      <details>
        <summary>Everything the exchange answered (JSON)</summary>
        <pre data-testid={`test-json-${campaignId}`}>{JSON.stringify(result, null, 2)}</pre>
      </details>
    </div>
  );
}

interface OwnLine {
  outcome: string;
  bid?: number | null;
  latency_ms?: number | null;
  detail?: string;
}

/** A JSON body indented for reading; anything else (form, XML, text) as it came. */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
