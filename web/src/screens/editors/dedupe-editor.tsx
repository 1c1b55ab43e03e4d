// A vertical's system-wide duplicate check: off, or a lookback in days and the identities matched (e-mail, phone).
import { NumberInput } from "./draft-input.tsx";
import { defineEditor, hasOnlyKeys, isNumber } from "./structured-editor.ts";

const IDENTITIES = ["email", "phone"] as const;
type Identity = (typeof IDENTITIES)[number];

interface Dedupe {
  lookback_days: number;
  match: Identity[];
}

export const dedupeEditor = defineEditor<Dedupe>({
  fits: (value): value is Dedupe | undefined =>
    value === undefined ||
    (hasOnlyKeys(value, ["lookback_days", "match"]) &&
      isNumber(value.lookback_days) &&
      Array.isArray(value.match) &&
      value.match.every((item) => IDENTITIES.includes(item as Identity))),
  check(value) {
    if (value === undefined) return undefined;
    if (!isNumber(value.lookback_days) || !Number.isInteger(value.lookback_days) || value.lookback_days < 1)
      return "lookback: a whole number of days from 1 to 365";
    if (value.lookback_days > 365) return "lookback: at most 365 days";
    if (value.match.length === 0) return "match on e-mail, phone or both";
    return undefined;
  },
  Inputs({ name, value, onChange }) {
    return (
      <div className="editor-row">
        <label className="choice">
          <input
            type="checkbox"
            name={`${name}.on`}
            checked={value !== undefined}
            onChange={(event) =>
              onChange(event.target.checked ? { lookback_days: 30, match: ["email", "phone"] } : undefined)
            }
          />
          refuse a consumer sold in this vertical within
        </label>
        {value !== undefined && (
          <>
            <NumberInput
              name={`${name}.lookback_days`}
              aria-label="lookback days"
              value={value.lookback_days}
              onChange={(days) => onChange({ ...value, lookback_days: days as number })}
            />
            <span>days, matched on</span>
            {IDENTITIES.map((identity) => (
              <label key={identity} className="choice">
                <input
                  type="checkbox"
                  name={`${name}.match.${identity}`}
                  checked={value.match.includes(identity)}
                  onChange={(event) =>
                    onChange({
                      ...value,
                      match: IDENTITIES.filter((item) =>
                        item === identity ? event.target.checked : value.match.includes(item),
                      ),
                    })
                  }
                />
                {identity === "email" ? "e-mail" : "phone"}
              </label>
            ))}
          </>
        )}
      </div>
    );
  },
});
