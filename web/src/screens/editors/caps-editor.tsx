// Lead-count and spend caps: one row per unit and period (leads a day, spend a month...), and the time zone the
// periods are counted in. The rows are read from the value in its own order, so the value is all the state there is.
import { NumberInput } from "./draft-input.tsx";
import { CAP_PERIODS, CAP_UNITS, type CapPeriod, type Caps, type CapUnit } from "./schema-options.ts";
import { compact, defineEditor, hasOnlyKeys, isNumber } from "./structured-editor.ts";
import { TimeZoneInput } from "./time-zone-input.tsx";

interface CapRow {
  unit: CapUnit;
  period: CapPeriod;
  amount: number | undefined;
}

const LIMITS: Record<CapUnit, number> = { leads: 10_000_000, spend: 100_000_000 };

function rowsOf(caps: Caps | undefined): CapRow[] {
  const rows: CapRow[] = [];
  // In the value's own order, so a row added stays last.
  for (const unit of Object.keys(caps ?? {}).filter((key): key is CapUnit => key !== "time_zone"))
    for (const [period, amount] of Object.entries(caps?.[unit] ?? {}))
      rows.push({ unit, period: period as CapPeriod, amount });
  return rows;
}

function capsOf(timeZone: string | undefined, rows: readonly CapRow[]): Caps | undefined {
  const caps: Caps = {};
  if (timeZone) caps.time_zone = timeZone;
  for (const row of rows) {
    const periods = caps[row.unit] ?? {};
    periods[row.period] = row.amount as number;
    caps[row.unit] = periods;
  }
  return compact(caps);
}

/** The first unit and period no row has yet. */
function freeSlot(rows: readonly CapRow[]): Omit<CapRow, "amount"> | undefined {
  for (const unit of CAP_UNITS)
    for (const period of CAP_PERIODS)
      if (!rows.some((row) => row.unit === unit && row.period === period)) return { unit, period };
  return undefined;
}

const isPeriods = (value: unknown) =>
  value === undefined ||
  (hasOnlyKeys(value, CAP_PERIODS) &&
    Object.keys(value).length > 0 &&
    Object.values(value).every((amount) => isNumber(amount)));

export const capsEditor = defineEditor<Caps>({
  fits: (value): value is Caps | undefined =>
    value === undefined ||
    (hasOnlyKeys(value, ["time_zone", ...CAP_UNITS]) &&
      Object.keys(value).length > 0 &&
      (value.time_zone === undefined || (typeof value.time_zone === "string" && value.time_zone !== "")) &&
      CAP_UNITS.every((unit) => isPeriods(value[unit]))),
  check(caps) {
    for (const row of rowsOf(caps)) {
      const what = `${row.unit} per ${row.period}`;
      if (!isNumber(row.amount)) return `${what}: a number is needed`;
      if (row.amount < 0 || row.amount > LIMITS[row.unit])
        return `${what}: must be from 0 to ${LIMITS[row.unit]}`;
      if (row.unit === "leads" && !Number.isInteger(row.amount)) return `${what}: a whole number of leads`;
    }
    return undefined;
  },
  Inputs({ name, value, onChange }) {
    const rows = rowsOf(value);
    const update = (next: CapRow[]) => onChange(capsOf(value?.time_zone, next));
    const replace = (index: number, row: CapRow) => update(rows.map((old, i) => (i === index ? row : old)));
    const taken = (row: CapRow, unit: CapUnit, period: CapPeriod) =>
      rows.some((other) => other !== row && other.unit === unit && other.period === period);
    const slot = freeSlot(rows);
    return (
      <div className="editor-rows">
        {rows.map((row, index) => (
          <div className="editor-row" key={`${row.unit}.${row.period}`} data-testid={`${name}-row`}>
            <select
              name={`${name}.${index}.unit`}
              aria-label="unit"
              value={row.unit}
              onChange={(event) => replace(index, { ...row, unit: event.target.value as CapUnit })}
            >
              {CAP_UNITS.map((unit) => (
                <option key={unit} value={unit} disabled={taken(row, unit, row.period)}>
                  {unit === "spend" ? "spend ($)" : unit}
                </option>
              ))}
            </select>
            <span>per</span>
            <select
              name={`${name}.${index}.period`}
              aria-label="period"
              value={row.period}
              onChange={(event) => replace(index, { ...row, period: event.target.value as CapPeriod })}
            >
              {CAP_PERIODS.map((period) => (
                <option key={period} value={period} disabled={taken(row, row.unit, period)}>
                  {period}
                </option>
              ))}
            </select>
            <NumberInput
              name={`${name}.${index}.amount`}
              aria-label="at most"
              value={row.amount}
              onChange={(amount) => replace(index, { ...row, amount })}
            />
            <button
              type="button"
              className="secondary"
              onClick={() => update(rows.filter((_, i) => i !== index))}
            >
              Remove
            </button>
          </div>
        ))}
        <div className="editor-row">
          {slot && (
            <button
              type="button"
              className="secondary"
              onClick={() => update([...rows, { ...slot, amount: undefined }])}
            >
              Add cap
            </button>
          )}
          <label htmlFor={`${name}.time_zone`}>
            time zone{" "}
            <TimeZoneInput
              id={`${name}.time_zone`}
              name={`${name}.time_zone`}
              value={value?.time_zone}
              placeholder="UTC"
              onChange={(timeZone) => onChange(capsOf(timeZone, rows))}
            />
          </label>
        </div>
      </div>
    );
  },
});
