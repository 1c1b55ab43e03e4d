// The operator's verticals: their fields (which are PII, which a ping carries), consent, floor and ceiling, the
// system-wide duplicate check and routing.
import { ConfigList, type FieldSpec } from "./config-form.tsx";
import { dedupeEditor } from "./editors/dedupe-editor.tsx";
import { fieldsEditor } from "./editors/fields-editor.tsx";
import { routingEditor } from "./editors/routing-editor.tsx";

const VERTICAL_FIELDS: readonly FieldSpec[] = [
  { name: "id", kind: "text", required: true },
  { name: "name", kind: "text", required: true },
  {
    name: "fields",
    kind: "editor",
    label: "fields",
    editor: fieldsEditor,
    help: "What a lead of this vertical carries. PII fields are never sent in a ping; a required non-PII field must be on the ping, a required PII field on the post.",
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
  {
    name: "consent_required",
    kind: "checkbox",
    help: "A post must carry a TrustedForm certificate or a Jornaya LeadiD.",
  },
  {
    name: "floor",
    kind: "number",
    label: "floor ($)",
    help: "The lowest price a lead of this vertical sells at.",
  },
  {
    name: "ceiling",
    kind: "number",
    label: "ceiling ($)",
    help: "A bid above this is taken for a typo and dropped.",
  },
  {
    name: "dedupe",
    kind: "editor",
    label: "duplicate check",
    editor: dedupeEditor,
    help: "System-wide, across buyers: by the consumer's hashed e-mail or phone.",
  },
  {
    name: "routing",
    kind: "editor",
    label: "routing",
    editor: routingEditor,
    help: "How bids are ordered into the winner and its fallbacks; more than 1 buyer per lead shares it.",
  },
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
