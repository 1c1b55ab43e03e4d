// A buyer's prepaid buying: off (unlimited), or on with a credit limit in dollars beyond its deposits.
import { NumberInput } from "./draft-input.tsx";
import { defineEditor, hasOnlyKeys, isNumber } from "./structured-editor.ts";

interface Funds {
  credit_limit: number;
}

export const fundsEditor = defineEditor<Funds>({
  fits: (value): value is Funds | undefined =>
    value === undefined || (hasOnlyKeys(value, ["credit_limit"]) && isNumber(value.credit_limit)),
  check(value) {
    if (value === undefined) return undefined;
    if (!isNumber(value.credit_limit))
      return "credit limit: a number of dollars is needed (0: deposits only)";
    if (value.credit_limit < 0) return "credit limit: 0 or more";
    return undefined;
  },
  Inputs({ name, value, onChange }) {
    return (
      <div className="editor-row">
        <label className="choice">
          <input
            type="checkbox"
            name={`${name}.prepaid`}
            checked={value !== undefined}
            onChange={(event) => onChange(event.target.checked ? { credit_limit: 0 } : undefined)}
          />
          prepaid (spends only its deposits plus credit)
        </label>
        {value !== undefined && (
          <span className="choice">
            credit limit ($)
            <NumberInput
              aria-label="credit limit ($)"
              name={`${name}.credit_limit`}
              value={value.credit_limit}
              onChange={(credit) => onChange({ credit_limit: credit as number })}
            />
          </span>
        )}
      </div>
    );
  },
});
