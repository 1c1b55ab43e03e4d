// A campaign's pricing: fixed (a price, bid on every eligible lead without a ping) or realtime (what its ping endpoint
// bids, capped at an optional max_price).
import { NumberInput } from "./draft-input.tsx";
import { PRICING_TYPES, type Pricing } from "./schema-options.ts";
import { defineEditor, hasOnlyKeys, isNumber } from "./structured-editor.ts";

const DOLLARS_MAX = 100000;

/** A dollar amount as the schema takes it (0 to 100000); `positive` also refuses 0. */
function dollarsProblem(label: string, value: unknown, positive: boolean): string | undefined {
  if (!isNumber(value)) return `${label} must be a number of dollars`;
  if (positive ? value <= 0 : value < 0) return `${label} must be ${positive ? "above" : "at least"} 0`;
  if (value > DOLLARS_MAX) return `${label} must be at most ${DOLLARS_MAX}`;
  return undefined;
}

export const pricingEditor = defineEditor<Pricing>({
  fits: (value): value is Pricing | undefined =>
    value === undefined ||
    (hasOnlyKeys(value, ["type", "price"]) && value.type === "fixed" && isNumber(value.price)) ||
    (hasOnlyKeys(value, ["type", "max_price"]) &&
      value.type === "realtime" &&
      (value.max_price === undefined || isNumber(value.max_price))),
  check(pricing) {
    if (!pricing) return "choose how this campaign prices its bids";
    if (pricing.type === "fixed") return dollarsProblem("the price", pricing.price, true);
    return pricing.max_price === undefined ? undefined : dollarsProblem("max_price", pricing.max_price, true);
  },
  Inputs({ name, value, onChange }) {
    return (
      <div className="editor-row">
        <select
          name={`${name}.type`}
          aria-label="pricing type"
          value={value?.type ?? ""}
          onChange={(event) => {
            const type = event.target.value;
            if (type === "fixed") onChange({ type, price: Number.NaN });
            else if (type === "realtime") onChange({ type });
            else onChange(undefined);
          }}
        >
          <option value="">—</option>
          {PRICING_TYPES.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>
        {value?.type === "fixed" && (
          <label htmlFor={`${name}.price`}>
            price ($){" "}
            <NumberInput
              id={`${name}.price`}
              name={`${name}.price`}
              value={value.price}
              onChange={(price) => onChange({ type: "fixed", price: price ?? Number.NaN })}
            />
          </label>
        )}
        {value?.type === "realtime" && (
          <label htmlFor={`${name}.max_price`}>
            max_price ($, optional){" "}
            <NumberInput
              id={`${name}.max_price`}
              name={`${name}.max_price`}
              value={value.max_price}
              onChange={(max_price) =>
                onChange(max_price === undefined ? { type: "realtime" } : { type: "realtime", max_price })
              }
            />
          </label>
        )}
      </div>
    );
  },
});
