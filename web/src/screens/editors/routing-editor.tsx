// How a vertical's bids become the winner and its fallbacks: the mode, and how many buyers may share a lead (1, the
// default, sells it exclusively). Nothing chosen removes the field (highest bid, exclusive).
import { NumberInput } from "./draft-input.tsx";
import { type RoutingMode as Mode, ROUTING_MODES } from "./schema-options.ts";
import { compact, defineEditor, hasOnlyKeys, isNumber } from "./structured-editor.ts";

interface Routing {
  mode: Mode;
  max_buyers?: number;
}

const MODE_HELP: Record<Mode, string> = {
  highest_bid: "highest bid wins",
  priority: "campaign priority first, then the bid",
  round_robin: "turns among the bidders",
  weighted: "chance by campaign weight",
};

export const routingEditor = defineEditor<Routing>({
  fits: (value): value is Routing | undefined =>
    value === undefined ||
    (hasOnlyKeys(value, ["mode", "max_buyers"]) &&
      ROUTING_MODES.includes(value.mode as Mode) &&
      (value.max_buyers === undefined || isNumber(value.max_buyers))),
  check(value) {
    const max = value?.max_buyers;
    if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= 10))
      return "buyers per lead: a whole number from 1 to 10";
    return undefined;
  },
  Inputs({ name, value, onChange }) {
    return (
      <div className="editor-row">
        <select
          name={`${name}.mode`}
          aria-label="routing mode"
          value={value?.mode ?? ""}
          onChange={(event) =>
            onChange(
              event.target.value === ""
                ? undefined
                : (compact({ ...value, mode: event.target.value as Mode }) as Routing),
            )
          }
        >
          <option value="">default (highest bid, exclusive)</option>
          {ROUTING_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {mode.replaceAll("_", " ")}: {MODE_HELP[mode]}
            </option>
          ))}
        </select>
        {value !== undefined && (
          <span className="choice">
            buyers per lead
            <NumberInput
              aria-label="buyers per lead"
              name={`${name}.max_buyers`}
              value={value.max_buyers}
              onChange={(max) => onChange(compact({ ...value, max_buyers: max }) as Routing)}
            />
          </span>
        )}
      </div>
    );
  },
});
