// The operator's sources: status, payout, floor and ceiling, verticals; paused or resumed from the list; a new key
// issued (the old one revoked at once, or after a grace period the list shows while it runs).
import { when } from "../api.ts";
import { PauseResume, RotateKey } from "./config-actions.tsx";
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
      columns={(source) => (
        <>
          {source.api_key_sha256 ? "key issued" : "no key"}{" "}
          {typeof source.previous_key_expires_at === "string" &&
            Date.parse(source.previous_key_expires_at) > Date.now() && (
              <span className="why" data-testid={`grace-until-${source.id}`}>
                old key works until {when(source.previous_key_expires_at)}
              </span>
            )}
        </>
      )}
      actions={(source, reload) => (
        <>
          <PauseResume plural="sources" entity={source} onChanged={reload} />
          <RotateKey plural="sources" entity={source} onRotated={reload} />
        </>
      )}
    />
  );
}
