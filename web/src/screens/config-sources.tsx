// The operator's sources: status, payout, floor and ceiling, verticals; paused or resumed from the list; a new key
// issued (the old one revoked at once, or after a grace period the list shows while it runs).
import { when } from "../api.ts";
import { PauseResume, RotateKey } from "./config-actions.tsx";
import { ConfigList, type FieldSpec } from "./config-form.tsx";
import { stringListEditor } from "./editors/list-editor.tsx";
import { payoutEditor } from "./editors/payout-editor.tsx";
import { verticalChoiceEditor } from "./editors/vertical-choice-editor.tsx";
import { WhatIfLink } from "./what-if.tsx";

const SOURCE_FIELDS: readonly FieldSpec[] = [
  {
    name: "id",
    kind: "text",
    required: true,
    help: "Its id in URLs, reports and postbacks; fixed once saved.",
  },
  { name: "name", kind: "text", required: true },
  {
    name: "status",
    kind: "select",
    options: ["live", "test", "paused"],
    required: true,
    help: "test: its leads are marked test and bill no one; paused: its requests are refused.",
  },
  {
    name: "payout",
    kind: "editor",
    label: "payout (what the source is paid per sold lead)",
    editor: payoutEditor,
  },
  {
    name: "floor",
    kind: "number",
    label: "floor ($)",
    help: "The lowest price this source accepts for a lead.",
  },
  {
    name: "ceiling",
    kind: "number",
    label: "ceiling ($)",
    help: "A bid above this is taken for a typo and dropped.",
  },
  {
    name: "verticals",
    kind: "editor",
    label: "verticals it may send",
    editor: verticalChoiceEditor,
    help: "A lead of another vertical is refused.",
  },
  {
    name: "sub_ids",
    kind: "editor",
    label: "sub-ids (comma-separated; empty: any)",
    editor: stringListEditor,
    help: "A lead with a sub_id not listed here is refused.",
  },
  {
    name: "max_pings_per_minute",
    kind: "number",
    help: "Beyond this many pings (and direct posts) a minute, requests are refused with 429.",
  },
  {
    name: "postback",
    kind: "json",
    help: "Where the source hears what became of each lead (sold, unsold, returned).",
  },
  {
    name: "reverse_payout_on_return",
    kind: "checkbox",
    help: "When a buyer's return is approved, the source gives back its payout for that sale.",
  },
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
          <WhatIfLink kind="source" id={source.id} />
          <PauseResume plural="sources" entity={source} onChanged={reload} />
          <RotateKey plural="sources" entity={source} onRotated={reload} />
        </>
      )}
    />
  );
}
