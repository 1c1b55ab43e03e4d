// How a campaign speaks to its buyer: the native protocol (no integration), a preset (another exchange's ping-post
// spec, from its parameters and an optional wording of lead values), or a templated integration, which stays JSON.
import type { FieldsByVertical } from "./field-condition.tsx";
import { type Integration, PRESET_NAMES, PRESET_PARAMS, type PresetName } from "./schema-options.ts";
import { defineEditor, hasOnlyKeys, isRecord } from "./structured-editor.ts";

type Preset = Extract<Integration, { type: "preset" }>;
type ValueMap = NonNullable<Preset["value_map"]>;

/** Where a templated integration starts: the native protocol's post, to be adapted to the buyer's spec. */
const TEMPLATED_START = {
  type: "templated",
  post: {
    format: "json",
    body: { "*": "{{lead}}" },
    response: { accept: { path: "accepted", equals: [true] }, reason: ["reason"] },
  },
};

/** A value_map as rows: per lead field, one row per value the buyer words differently (null: left out). */
interface Wording {
  field: string;
  value: string;
  wording: string | null;
}

const rowsOf = (map: ValueMap | undefined): Wording[] =>
  Object.entries(map ?? {}).flatMap(([field, values]) =>
    Object.entries(values).map(([value, wording]) => ({ field, value, wording })),
  );

function mapOf(rows: readonly Wording[]): ValueMap | undefined {
  if (rows.length === 0) return undefined;
  const map: ValueMap = {};
  for (const row of rows) map[row.field] = { ...map[row.field], [row.value]: row.wording };
  return map;
}

const isPresetName = (value: unknown): value is PresetName =>
  (PRESET_NAMES as readonly unknown[]).includes(value);

/** Rows show a map exactly when no field is listed without values and no (field, value) repeats. */
const isValueMap = (value: unknown) =>
  isRecord(value) &&
  Object.values(value).every(
    (values) =>
      isRecord(values) &&
      Object.keys(values).length > 0 &&
      Object.values(values).every((wording) => wording === null || typeof wording === "string"),
  );

export function integrationEditor(fieldsByVertical: FieldsByVertical) {
  return defineEditor<Preset>({
    fits: (value): value is Preset | undefined =>
      value === undefined ||
      (hasOnlyKeys(value, ["type", "preset", "params", "value_map"]) &&
        value.type === "preset" &&
        isPresetName(value.preset) &&
        isRecord(value.params) &&
        Object.entries(value.params).every(
          ([name, param]) =>
            typeof param === "string" && Object.hasOwn(PRESET_PARAMS[value.preset as PresetName], name),
        ) &&
        (value.value_map === undefined || isValueMap(value.value_map))),
    check(integration) {
      if (!integration) return undefined;
      for (const [name, what] of Object.entries(PRESET_PARAMS[integration.preset]))
        if (!integration.params[name]) return `${integration.preset} needs ${name} (${what})`;
      for (const row of rowsOf(integration.value_map))
        if (!row.field || !row.value) return "each wording needs the lead field and its value";
      return undefined;
    },
    Inputs({ name, value, onChange, asJson, form }) {
      const fields = fieldsByVertical[String(form.vertical ?? "")] ?? [];
      const choose = (kind: string) => {
        if (kind === "native") onChange(undefined);
        else if (kind === "templated") asJson(TEMPLATED_START);
        else if (isPresetName(kind)) {
          // Parameters the new preset shares with the old one (campaign_id...) are kept.
          const params = Object.fromEntries(
            Object.entries(value?.params ?? {}).filter(([param]) =>
              Object.hasOwn(PRESET_PARAMS[kind], param),
            ),
          );
          onChange({ ...value, type: "preset", preset: kind, params });
        }
      };
      const rows = rowsOf(value?.value_map);
      const setRows = (next: Wording[]) => {
        if (!value) return;
        const { value_map: _, ...rest } = value;
        const map = mapOf(next);
        onChange(map ? { ...rest, value_map: map } : rest);
      };
      return (
        <div className="editor-rows">
          <div className="editor-row">
            <select
              name={`${name}.kind`}
              aria-label="integration"
              value={value?.preset ?? "native"}
              onChange={(event) => choose(event.target.value)}
            >
              <option value="native">native protocol</option>
              {PRESET_NAMES.map((preset) => (
                <option key={preset} value={preset}>
                  preset: {preset}
                </option>
              ))}
              <option value="templated">templated (JSON)…</option>
            </select>
          </div>
          {value &&
            Object.entries(PRESET_PARAMS[value.preset]).map(([param, what]) => (
              <div className="editor-row" key={param}>
                <label htmlFor={`${name}.params.${param}`}>
                  {param} <span className="muted">({what})</span>
                </label>
                <input
                  id={`${name}.params.${param}`}
                  name={`${name}.params.${param}`}
                  value={value.params[param] ?? ""}
                  onChange={(event) => {
                    const { [param]: _, ...others } = value.params;
                    const params =
                      event.target.value === "" ? others : { ...others, [param]: event.target.value };
                    onChange({ ...value, params });
                  }}
                />
              </div>
            ))}
          {value && (
            <>
              <span className="muted">the buyer's wording of lead values (optional)</span>
              {rows.map((row, index) => {
                const replace = (next: Wording) => setRows(rows.map((old, i) => (i === index ? next : old)));
                const definition = fields.find((field) => field.name === row.field);
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a wording is its place in the list
                  <div className="editor-row" key={index} data-testid={`${name}-wording`}>
                    <select
                      name={`${name}.value_map.${index}.field`}
                      aria-label="lead field"
                      value={row.field}
                      onChange={(event) => replace({ ...row, field: event.target.value })}
                    >
                      {!definition && <option value={row.field}>{row.field || "— field —"}</option>}
                      {fields.map((field) => (
                        <option key={field.name} value={field.name}>
                          {field.name}
                        </option>
                      ))}
                    </select>
                    <input
                      name={`${name}.value_map.${index}.value`}
                      aria-label="lead value"
                      list={definition?.values ? `${name}-values-${index}` : undefined}
                      value={row.value}
                      onChange={(event) => replace({ ...row, value: event.target.value })}
                    />
                    {definition?.values && (
                      <datalist id={`${name}-values-${index}`}>
                        {definition.values.map((option) => (
                          <option key={option} value={option} />
                        ))}
                      </datalist>
                    )}
                    <span>→</span>
                    <input
                      name={`${name}.value_map.${index}.wording`}
                      aria-label="buyer's wording"
                      disabled={row.wording === null}
                      value={row.wording ?? ""}
                      onChange={(event) => replace({ ...row, wording: event.target.value })}
                    />
                    <label>
                      <input
                        type="checkbox"
                        name={`${name}.value_map.${index}.omit`}
                        checked={row.wording === null}
                        onChange={(event) => replace({ ...row, wording: event.target.checked ? null : "" })}
                      />
                      leave out
                    </label>
                    <button
                      type="button"
                      className="link"
                      onClick={() => setRows(rows.filter((_, i) => i !== index))}
                    >
                      remove
                    </button>
                  </div>
                );
              })}
              <button
                type="button"
                className="secondary"
                onClick={() => setRows([...rows, { field: fields[0]?.name ?? "", value: "", wording: "" }])}
              >
                Add wording
              </button>
            </>
          )}
        </div>
      );
    },
  });
}
