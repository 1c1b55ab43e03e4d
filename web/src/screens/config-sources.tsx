// The operator's sources: status, payout, floor and ceiling, verticals; a new key issued (the old one revoked at once).
import { RotateKey } from "./config-actions.tsx";
import { ConfigList, type FieldSpec } from "./config-form.tsx";
import { payoutEditor } from "./editors/payout-editor.tsx";

const SOURCE_FIELDS: readonly FieldSpec[] = [
  { name: "id", kind: "text", required: true },
  { name: "name", kind: "text", required: true },
  { name: "status", kind: "select", options: ["live", "test", "paused"], required: true },
  {
    name: "payout",
    kind: "editor",
    label: "payout (what the source is paid per sold lead)",
    editor: payoutEditor,
  },
  { name: "floor", kind: "number", label: "floor ($)" },
  { name: "ceiling", kind: "number", label: "ceiling ($)" },
  { name: "verticals", kind: "json", label: "verticals (empty: all)" },
  { name: "sub_ids", kind: "json", label: "sub_ids (empty: any)" },
  { name: "max_pings_per_minute", kind: "number" },
  { name: "postback", kind: "json" },
  { name: "reverse_payout_on_return", kind: "checkbox" },
];

export function ConfigSources() {
  return (
    <ConfigList
      title="Sources"
      plural="sources"
      specs={SOURCE_FIELDS}
      blank={() => ({ id: "", name: "", status: "test", payout: { model: "revenue_share", percent: 80 } })}
      columns={(source) => (source.api_key_sha256 ? "key issued" : "no key")}
      actions={(source, reload) => <RotateKey plural="sources" entity={source} onRotated={reload} />}
    />
  );
}
