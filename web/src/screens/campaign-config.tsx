// The operator's campaigns: filters and rules (JSON, read back as a table when simple), schedule, caps, pricing,
// endpoints and integration, consent and routing; and "test this campaign", which shows the raw exchange.
import { useState } from "react";
import { get, post } from "../api.ts";
import { useData } from "../use-data.ts";
import { Problem } from "./common.tsx";
import { ConfigList, type Entity, type FieldSpec } from "./config-form.tsx";

interface Filter {
  field: string;
  op: string;
  value: unknown;
}

const isSimpleFilters = (value: unknown): value is Filter[] =>
  Array.isArray(value) &&
  value.every((f) => typeof f === "object" && f !== null && "field" in f && "op" in f && "value" in f);

/** Simple filters read as "state eq NY", one a row. */
function FiltersView(value: unknown) {
  if (!isSimpleFilters(value) || value.length === 0) return null;
  return (
    <table className="filters-view" data-testid="filters-view">
      <tbody>
        {value.map((filter) => (
          <tr key={JSON.stringify(filter)}>
            <td>{filter.field}</td>
            <td>{filter.op}</td>
            <td>{Array.isArray(filter.value) ? filter.value.join(", ") : String(filter.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The campaign's fields; its buyer and vertical are chosen from those configured. */
const campaignFields = (buyers: readonly string[], verticals: readonly string[]): readonly FieldSpec[] => [
  { name: "id", kind: "text", required: true },
  { name: "name", kind: "text", required: true },
  { name: "buyer_id", kind: "select", options: buyers },
  { name: "vertical", kind: "select", options: verticals },
  { name: "status", kind: "select", options: ["active", "paused", "test"], required: true },
  {
    name: "pricing",
    kind: "json",
    label: 'pricing ({"type":"fixed","price":25} or {"type":"realtime","max_price":60})',
  },
  {
    name: "filters",
    kind: "json",
    label: 'filters ([{"field":"state","op":"in","value":["CA","NY"]}])',
    view: FiltersView,
  },
  { name: "rules", kind: "json", label: "rules (all / any / not; AND-ed with filters)" },
  { name: "schedule", kind: "json" },
  { name: "caps", kind: "json", label: 'caps ({"leads":{"day":100}})' },
  { name: "source_caps", kind: "json" },
  { name: "ping", kind: "json", label: 'ping endpoint ({"url":"https://…","timeout_ms":300})' },
  { name: "post", kind: "json", label: "post endpoint" },
  { name: "delivery", kind: "json", label: "delivery (e-mail or webhook, instead of a post)" },
  { name: "integration", kind: "json" },
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
    const specs = campaignFields(
      buyers.buyers.map((buyer) => buyer.id),
      verticals.verticals.map((vertical) => vertical.id),
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
      actions={(campaign) => <TestCampaign campaign={campaign} sources={choices.data?.sources ?? []} />}
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
      {exchange !== undefined && (
        <pre className="raw-exchange" data-testid={`test-result-${campaign.id}`}>
          {JSON.stringify(exchange, null, 2)}
        </pre>
      )}
    </>
  );
}
