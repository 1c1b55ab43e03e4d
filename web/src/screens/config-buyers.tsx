// The operator's buyers: status, caps, funds credit, auto-pause after failures, notices, returns; a buyer API key issued
// (the old one revoked at once).
import { useState } from "react";
import { Badge } from "./common.tsx";
import { PauseResume, RotateKey } from "./config-actions.tsx";
import { ConfigList, type FieldSpec } from "./config-form.tsx";
import { capsEditor } from "./editors/caps-editor.tsx";
import { buyerStanding, useBuyerStandings } from "./standing.tsx";

const BUYER_FIELDS: readonly FieldSpec[] = [
  { name: "id", kind: "text", required: true },
  { name: "name", kind: "text", required: true },
  { name: "status", kind: "select", options: ["active", "paused"], required: true },
  { name: "caps", kind: "editor", label: "caps (over all its campaigns)", editor: capsEditor },
  { name: "funds", kind: "json", label: 'funds ({"credit_limit":1000}: prepaid, with this credit in $)' },
  {
    name: "auto_pause_after_failures",
    kind: "number",
    label: "auto-pause after this many failed posts in a row",
  },
  { name: "notices", kind: "json", label: "notices (webhook for lead.won / lead.lost / lead.refunded)" },
  { name: "dedupe_days", kind: "number" },
  { name: "bid_adjustment_percent", kind: "number" },
  { name: "auto_approve_returns", kind: "checkbox" },
  { name: "return_rate_alert_percent", kind: "number" },
];

export function ConfigBuyers() {
  // Bumped by a pause or resume here, so the status line says who paused it at once rather than at the next refresh.
  const [changes, setChanges] = useState(0);
  const standings = useBuyerStandings(String(changes));
  return (
    <ConfigList
      title="Buyers"
      plural="buyers"
      specs={BUYER_FIELDS}
      blank={() => ({ id: "", name: "", status: "active" })}
      columns={(buyer) => {
        const standing = buyerStanding(String(buyer.status), standings[buyer.id]);
        return (
          <>
            {standing.label !== buyer.status && <Badge value={standing.label} />}
            {standing.why && (
              <span className="why" data-testid={`standing-${buyer.id}`}>
                {standing.why}
              </span>
            )}{" "}
            {buyer.api_key_sha256 ? "buyer API key issued" : "no buyer API key"}
          </>
        );
      }}
      actions={(buyer, reload) => (
        <>
          <PauseResume
            plural="buyers"
            entity={buyer}
            onChanged={() => {
              reload();
              setChanges((count) => count + 1);
            }}
          />
          <RotateKey plural="buyers" entity={buyer} onRotated={reload} />
        </>
      )}
    />
  );
}
