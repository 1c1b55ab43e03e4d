// What a source is paid per sold lead (src/domain/pricing.ts): a share of the winning bid, the bid less a fixed
// margin, a margin chosen by the bid's price band, or a fixed amount.
import { NumberInput } from "./draft-input.tsx";
import { PAYOUT_MODELS, type Payout, type PayoutModel } from "./schema-options.ts";
import { defineEditor, hasOnlyKeys, isNumber } from "./structured-editor.ts";

type Band = Extract<Payout, { model: "margin_table" }>["bands"][number];

const DOLLARS_MAX = 100000;
const LABELS: Record<PayoutModel, string> = {
  revenue_share: "revenue share (% of the bid)",
  margin: "the bid less a margin",
  margin_table: "a margin per price band",
  fixed: "a fixed amount",
};

const isBand = (band: unknown): band is Band =>
  hasOnlyKeys(band, ["up_to", "margin", "margin_percent"]) &&
  (band.up_to === undefined || isNumber(band.up_to)) &&
  // A band keeps exactly one of the two (pricing.ts marginTableProblem): the row's unit select shows which.
  (band.margin === undefined) !== (band.margin_percent === undefined) &&
  [band.margin, band.margin_percent].every((amount) => amount === undefined || isNumber(amount));

const rangeProblem = (label: string, value: unknown, max: number) =>
  !isNumber(value)
    ? `${label} must be a number`
    : value < 0 || value > max
      ? `${label}: 0 to ${max}`
      : undefined;

function bandsProblem(bands: readonly Band[]): string | undefined {
  if (bands.length === 0) return "add at least one band";
  for (const [index, band] of bands.entries()) {
    const what = `band ${index + 1}`;
    const last = index === bands.length - 1;
    if (last && band.up_to !== undefined) return `${what}: the last band takes every bid above (no up_to)`;
    if (!last) {
      const problem = rangeProblem(`${what} up_to`, band.up_to, DOLLARS_MAX);
      if (problem) return problem;
    }
    const problem =
      band.margin_percent === undefined
        ? rangeProblem(`${what} margin ($)`, band.margin, DOLLARS_MAX)
        : rangeProblem(`${what} margin (%)`, band.margin_percent, 100);
    if (problem) return problem;
  }
  return undefined;
}

export const payoutEditor = defineEditor<Payout>({
  fits: (value): value is Payout | undefined => {
    if (value === undefined) return true;
    if (hasOnlyKeys(value, ["model", "percent"]) && value.model === "revenue_share")
      return isNumber(value.percent);
    if (hasOnlyKeys(value, ["model", "amount"]) && (value.model === "margin" || value.model === "fixed"))
      return isNumber(value.amount);
    return (
      hasOnlyKeys(value, ["model", "bands"]) &&
      value.model === "margin_table" &&
      Array.isArray(value.bands) &&
      value.bands.every(isBand)
    );
  },
  check(payout) {
    if (!payout) return "choose how the source is paid";
    if (payout.model === "revenue_share") return rangeProblem("the share (%)", payout.percent, 100);
    if (payout.model === "margin_table") return bandsProblem(payout.bands);
    return rangeProblem("the amount ($)", payout.amount, DOLLARS_MAX);
  },
  Inputs({ name, value, onChange }) {
    const choose = (model: PayoutModel) => {
      const amount = value && "amount" in value ? value.amount : Number.NaN;
      if (model === "revenue_share") onChange({ model, percent: Number.NaN });
      else if (model === "margin_table") onChange({ model, bands: [{ margin: Number.NaN }] });
      else onChange({ model, amount });
    };
    return (
      <div className="editor-rows">
        <div className="editor-row">
          <select
            name={`${name}.model`}
            aria-label="payout model"
            value={value?.model ?? ""}
            onChange={(event) => choose(event.target.value as PayoutModel)}
          >
            {!value && <option value="">—</option>}
            {PAYOUT_MODELS.map((model) => (
              <option key={model} value={model}>
                {LABELS[model]}
              </option>
            ))}
          </select>
          {value?.model === "revenue_share" && (
            <NumberInput
              name={`${name}.percent`}
              aria-label="percent of the bid"
              size={6}
              value={value.percent}
              onChange={(percent) => onChange({ model: "revenue_share", percent: percent ?? Number.NaN })}
            />
          )}
          {(value?.model === "margin" || value?.model === "fixed") && (
            <NumberInput
              name={`${name}.amount`}
              aria-label="dollars"
              size={8}
              value={value.amount}
              onChange={(amount) => onChange({ model: value.model, amount: amount ?? Number.NaN })}
            />
          )}
        </div>
        {value?.model === "margin_table" && (
          <Bands
            name={name}
            bands={value.bands}
            onChange={(bands) => onChange({ model: "margin_table", bands })}
          />
        )}
      </div>
    );
  },
});

function Bands({
  name,
  bands,
  onChange,
}: {
  name: string;
  bands: Band[];
  onChange: (bands: Band[]) => void;
}) {
  const replace = (index: number, band: Band) => onChange(bands.map((old, i) => (i === index ? band : old)));
  return (
    <>
      {bands.map((band, index) => {
        const percent = band.margin_percent !== undefined;
        const { up_to, ...amount } = band;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a band is its place in the table
          <div className="editor-row" key={index} data-testid={`${name}-band`}>
            <span>bids up to $</span>
            <NumberInput
              name={`${name}.bands.${index}.up_to`}
              aria-label="up to ($)"
              size={8}
              placeholder={index === bands.length - 1 ? "any" : ""}
              value={up_to}
              onChange={(next) => replace(index, next === undefined ? amount : { ...amount, up_to: next })}
            />
            <span>keep</span>
            <NumberInput
              name={`${name}.bands.${index}.margin`}
              aria-label="margin"
              size={6}
              value={percent ? band.margin_percent : band.margin}
              onChange={(next) => {
                const margin = next ?? Number.NaN;
                replace(index, {
                  ...(up_to === undefined ? {} : { up_to }),
                  ...(percent ? { margin_percent: margin } : { margin }),
                });
              }}
            />
            <select
              name={`${name}.bands.${index}.unit`}
              aria-label="margin unit"
              value={percent ? "%" : "$"}
              onChange={(event) => {
                const margin = (percent ? band.margin_percent : band.margin) ?? Number.NaN;
                const base = up_to === undefined ? {} : { up_to };
                replace(
                  index,
                  event.target.value === "%" ? { ...base, margin_percent: margin } : { ...base, margin },
                );
              }}
            >
              <option value="$">$</option>
              <option value="%">%</option>
            </select>
            <button
              type="button"
              className="link"
              onClick={() => onChange(bands.filter((_, i) => i !== index))}
            >
              remove
            </button>
          </div>
        );
      })}
      <div className="editor-row">
        <button
          type="button"
          className="secondary"
          onClick={() => onChange([...bands, { margin: Number.NaN }])}
        >
          Add band
        </button>
      </div>
    </>
  );
}
