// The operator's verticals: their fields (which are PII, which a ping carries), consent, floor and ceiling, the
// system-wide duplicate check and routing.
import { ConfigList, type FieldSpec } from "./config-form.tsx";

const VERTICAL_FIELDS: readonly FieldSpec[] = [
  { name: "id", kind: "text", required: true },
  { name: "name", kind: "text", required: true },
  {
    name: "fields",
    kind: "json",
    label: 'fields ([{"name":"zip","type":"zip","pii":false,"required":true}, …])',
    view: (value) =>
      Array.isArray(value) ? (
        <p className="muted">
          ping carries:{" "}
          {value
            .filter((field) => field?.pii === false)
            .map((field) => field.name)
            .join(", ")}
        </p>
      ) : null,
  },
  { name: "consent_required", kind: "checkbox" },
  { name: "floor", kind: "number", label: "floor ($)" },
  { name: "ceiling", kind: "number", label: "ceiling ($)" },
  { name: "dedupe", kind: "json", label: 'dedupe ({"lookback_days":30,"match":["email","phone"]})' },
  { name: "routing", kind: "json", label: 'routing ({"mode":"highest_bid","max_buyers":1})' },
];

export function ConfigVerticals() {
  return (
    <ConfigList
      title="Verticals"
      plural="verticals"
      specs={VERTICAL_FIELDS}
      blank={() => ({ id: "", name: "", fields: [] })}
    />
  );
}
