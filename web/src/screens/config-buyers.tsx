// The operator's buyers: status, caps, funds credit, auto-pause after failures, notices, returns; a buyer API key issued
// (the old one revoked at once).
import { useState } from "react";
import { Badge } from "./common.tsx";
import { PauseResume, RotateKey } from "./config-actions.tsx";
import { ConfigList, type FieldSpec } from "./config-form.tsx";
import { capsEditor } from "./editors/caps-editor.tsx";
import { fundsEditor } from "./editors/funds-editor.tsx";
import { noticesEditor } from "./editors/notices-editor.tsx";
import { buyerStanding, useAlertThresholds, useBuyerStandings } from "./standing.tsx";
import { WhatIfLink } from "./what-if.tsx";

const BUYER_FIELDS: readonly FieldSpec[] = [
  {
    name: "id",
    kind: "text",
    required: true,
    help: "Its id in URLs, reports and notices; fixed once saved.",
  },
  { name: "name", kind: "text", required: true },
  {
    name: "status",
    kind: "select",
    options: ["active", "paused"],
    required: true,
    help: "A paused buyer's campaigns do not bid.",
  },
  { name: "caps", kind: "editor", label: "caps (over all its campaigns)", editor: capsEditor },
  {
    name: "funds",
    kind: "editor",
    label: "funds",
    editor: fundsEditor,
    help: "Prepaid: a bid it cannot cover with deposits plus credit is skipped. Deposits are added on Money.",
  },
  {
    name: "auto_pause_after_failures",
    kind: "number",
    label: "auto-pause after this many failed posts in a row",
    help: "Errors and timeouts count; a buyer's reject does not. Empty: never.",
  },
  {
    name: "notices",
    kind: "editor",
    label: "notices (win, loss, refund)",
    editor: noticesEditor,
    help: "JSON POSTs through the outbox, never personal data.",
  },
  {
    name: "dedupe_days",
    kind: "number",
    help: "A consumer this buyer bought within these days is not offered to it again.",
  },
  {
    name: "bid_adjustment_percent",
    kind: "number",
    help: "Ranking only: -10 ranks a $50 bid as $45; the buyer still pays its own bid.",
  },
  { name: "auto_approve_returns", kind: "checkbox", help: "Its returns are approved without the operator." },
  {
    name: "return_rate_alert_percent",
    kind: "number",
    help: "Above this share of its purchases returned, its return rate is flagged (default 10).",
  },
];

export function ConfigBuyers() {
  // Bumped by a pause or resume here, so the status line says who paused it at once rather than at the next refresh.
  const [changes, setChanges] = useState(0);
  const standings = useBuyerStandings(String(changes));
  const thresholds = useAlertThresholds();
  return (
    <ConfigList
      title="Buyers"
      plural="buyers"
      specs={BUYER_FIELDS}
      blank={() => ({ id: "", name: "", status: "active" })}
      columns={(buyer) => {
        const standing = buyerStanding(
          String(buyer.status),
          standings[buyer.id],
          thresholds?.low_funds_dollars,
        );
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
          <WhatIfLink kind="buyer" id={buyer.id} />
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
