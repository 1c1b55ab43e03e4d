// The operator's sources: status, payout, floor and ceiling, verticals; a new key issued (the old one revoked at once).
import { useState } from "react";
import { post } from "../api.ts";
import { ConfigList, type Entity, type FieldSpec } from "./config-form.tsx";

const SOURCE_FIELDS: readonly FieldSpec[] = [
  { name: "id", kind: "text", required: true },
  { name: "name", kind: "text", required: true },
  { name: "status", kind: "select", options: ["live", "test", "paused"], required: true },
  { name: "payout", kind: "json", label: 'payout ({"model":"revenue_share","percent":80} or margin/amount)' },
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
      actions={(source, reload) => <RotateKey source={source} onRotated={reload} />}
    />
  );
}

/** Issues a new key, shown once; the old key stops working at once (that is how a key is revoked). */
function RotateKey({ source, onRotated }: { source: Entity; onRotated: () => void }) {
  const [key, setKey] = useState<string>();
  const [problem, setProblem] = useState<string>();
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={async () => {
          if (!window.confirm(`Issue a new key for ${source.id}? Its current key stops working at once.`))
            return;
          try {
            const answer = await post<{ api_key: string }>(
              `/v1/admin/sources/${encodeURIComponent(source.id)}/rotate-key`,
            );
            setKey(answer.api_key);
            onRotated();
          } catch (error) {
            setProblem((error as Error).message);
          }
        }}
      >
        New key (revokes the old)
      </button>
      {key && (
        <code className="new-key" data-testid={`key-${source.id}`}>
          {key}
        </code>
      )}
      {problem && <span className="problem">{problem}</span>}
    </>
  );
}
