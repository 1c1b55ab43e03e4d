// The operator's buyers: status, caps, funds credit, auto-pause after failures, notices, returns; a buyer API key issued
// (the old one revoked at once).
import { Badge } from "./common.tsx";
import { RotateKey } from "./config-actions.tsx";
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
  const standings = useBuyerStandings();
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
      actions={(buyer, reload) => <RotateKey plural="buyers" entity={buyer} onRotated={reload} />}
    />
  );
}
