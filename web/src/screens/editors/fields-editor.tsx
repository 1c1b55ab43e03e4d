// A vertical's fields, one row each: name, type, required, PII (never sent in a ping), label, and what the type
// allows: an enum's values, a number's bounds, a text's longest length. A field with anything else (none today) opens
// as JSON.
import { ListInput, NumberInput } from "./draft-input.tsx";
import { FIELD_TYPE_OPTIONS, type FieldDefinition } from "./schema-options.ts";
import { defineEditor, hasOnlyKeys, isNumber, isRecord } from "./structured-editor.ts";

const KEYS = ["name", "type", "pii", "required", "label", "values", "min", "max", "max_length"] as const;
const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const NUMERIC = new Set(["integer", "number"]);
const TEXT = new Set(["string", "phone", "email", "url"]);

const isField = (value: unknown): value is FieldDefinition =>
  isRecord(value) &&
  hasOnlyKeys(value, KEYS) &&
  typeof value.name === "string" &&
  (FIELD_TYPE_OPTIONS as readonly unknown[]).includes(value.type) &&
  typeof value.pii === "boolean" &&
  (value.required === undefined || typeof value.required === "boolean") &&
  (value.label === undefined || typeof value.label === "string") &&
  (value.values === undefined ||
    (Array.isArray(value.values) &&
      value.values.every(
        (item) => typeof item === "string" && item.trim() === item && !item.includes(","),
      ))) &&
  (value.min === undefined || isNumber(value.min)) &&
  (value.max === undefined || isNumber(value.max)) &&
  (value.max_length === undefined || isNumber(value.max_length));

/** Drops what a field of the new type cannot have (an enum's values once it is a number). */
function retyped(field: FieldDefinition, type: FieldDefinition["type"]): FieldDefinition {
  const { values, min, max, max_length, ...rest } = field;
  return {
    ...rest,
    type,
    ...(type === "enum" && values ? { values } : {}),
    ...(NUMERIC.has(type) && min !== undefined ? { min } : {}),
    ...(NUMERIC.has(type) && max !== undefined ? { max } : {}),
    ...(TEXT.has(type) && max_length !== undefined ? { max_length } : {}),
  };
}

/** Sets a key, or removes it when the value is undefined (the server's schema has no nulls). */
function withKey<K extends keyof FieldDefinition>(
  field: FieldDefinition,
  key: K,
  value: FieldDefinition[K] | undefined,
): FieldDefinition {
  const { [key]: _, ...rest } = field;
  return (value === undefined ? rest : { ...rest, [key]: value }) as FieldDefinition;
}

export const fieldsEditor = defineEditor<FieldDefinition[]>({
  fits: (value): value is FieldDefinition[] | undefined =>
    value === undefined || (Array.isArray(value) && value.every(isField)),
  check(value) {
    if (!value || value.length === 0) return "a vertical needs at least one field";
    const seen = new Set<string>();
    for (const [index, field] of value.entries()) {
      const at = `field ${index + 1}${field.name ? ` (${field.name})` : ""}`;
      if (!NAME.test(field.name))
        return `${at}: a name of lower-case letters, digits and _ that starts with a letter`;
      if (seen.has(field.name)) return `${at}: the name is used twice`;
      seen.add(field.name);
      if (field.type === "enum" && !field.values?.length) return `${at}: an enum needs its values`;
      if ([field.min, field.max, field.max_length].some((bound) => Number.isNaN(bound)))
        return `${at}: a bound is not a number`;
      if (field.min !== undefined && field.max !== undefined && field.min > field.max)
        return `${at}: min is above max`;
    }
    return undefined;
  },
  Inputs({ name, value, onChange }) {
    const rows = value ?? [];
    const update = (index: number, field: FieldDefinition) =>
      onChange(rows.map((row, i) => (i === index ? field : row)));
    return (
      <div className="fields-editor" data-testid={`${name}-editor`}>
        {rows.map((field, index) => {
          const at = `${name}.${index}`;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, their names change as typed
            <fieldset key={index} className="editor-row field-row">
              <legend className="muted">field {index + 1}</legend>
              <label>
                name{" "}
                <input
                  name={`${at}.name`}
                  value={field.name}
                  size={14}
                  onChange={(event) => update(index, { ...field, name: event.target.value })}
                />
              </label>
              <label>
                type{" "}
                <select
                  name={`${at}.type`}
                  value={field.type}
                  onChange={(event) =>
                    update(index, retyped(field, event.target.value as FieldDefinition["type"]))
                  }
                >
                  {FIELD_TYPE_OPTIONS.map((type) => (
                    <option key={type} value={type}>
                      {type}
                    </option>
                  ))}
                </select>
              </label>
              <label className="choice">
                <input
                  type="checkbox"
                  name={`${at}.required`}
                  checked={field.required === true}
                  onChange={(event) => update(index, { ...field, required: event.target.checked })}
                />
                required
              </label>
              <label
                className="choice"
                title="PII is never sent in a ping, only in the post to the buyer who won"
              >
                <input
                  type="checkbox"
                  name={`${at}.pii`}
                  checked={field.pii}
                  onChange={(event) => update(index, { ...field, pii: event.target.checked })}
                />
                PII
              </label>
              <label>
                label{" "}
                <input
                  name={`${at}.label`}
                  value={field.label ?? ""}
                  size={14}
                  onChange={(event) =>
                    update(index, withKey(field, "label", event.target.value || undefined))
                  }
                />
              </label>
              {field.type === "enum" && (
                <label htmlFor={`${at}.values`}>
                  values{" "}
                  <ListInput
                    id={`${at}.values`}
                    name={`${at}.values`}
                    numeric={false}
                    value={field.values}
                    onChange={(list) =>
                      update(index, withKey(field, "values", list?.length ? (list as string[]) : undefined))
                    }
                  />
                </label>
              )}
              {NUMERIC.has(field.type) &&
                (["min", "max"] as const).map((bound) => (
                  <label key={bound} htmlFor={`${at}.${bound}`}>
                    {bound}{" "}
                    <NumberInput
                      id={`${at}.${bound}`}
                      name={`${at}.${bound}`}
                      size={6}
                      value={field[bound]}
                      onChange={(number) => update(index, withKey(field, bound, number))}
                    />
                  </label>
                ))}
              {TEXT.has(field.type) && (
                <label htmlFor={`${at}.max_length`}>
                  longest{" "}
                  <NumberInput
                    id={`${at}.max_length`}
                    name={`${at}.max_length`}
                    size={6}
                    value={field.max_length}
                    onChange={(number) => update(index, withKey(field, "max_length", number))}
                  />
                </label>
              )}
              <button
                type="button"
                className="secondary"
                onClick={() => onChange(rows.filter((_, i) => i !== index))}
              >
                Remove field
              </button>
            </fieldset>
          );
        })}
        <button
          type="button"
          className="secondary"
          onClick={() => onChange([...rows, { name: "", type: "string", pii: false, required: false }])}
        >
          Add field
        </button>
      </div>
    );
  },
});
