// A campaign's `filters`: conditions on the vertical's ping fields, all of which a lead must meet.
import {
  type Condition,
  conditionFits,
  conditionProblem,
  FieldCondition,
  type FieldsByVertical,
  pingFields,
} from "./field-condition.tsx";
import { FILTER_OPS, type Filter } from "./schema-options.ts";
import { defineEditor } from "./structured-editor.ts";

export function filtersEditor(fieldsByVertical: FieldsByVertical) {
  return defineEditor<Filter[]>({
    fits: (value, form): value is Filter[] | undefined =>
      value === undefined ||
      (Array.isArray(value) &&
        value.every((filter) =>
          conditionFits(filter, pingFields(fieldsByVertical, form.vertical), FILTER_OPS),
        )),
    check(filters, form) {
      const fields = pingFields(fieldsByVertical, form.vertical);
      for (const filter of filters ?? []) {
        const problem = conditionProblem(filter, fields);
        if (problem) return problem;
      }
      return undefined;
    },
    Inputs({ name, value, onChange, form }) {
      const fields = pingFields(fieldsByVertical, form.vertical);
      const filters = value ?? [];
      const first = fields[0];
      return (
        <div className="editor-rows">
          {filters.map((filter, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a row is its place in the list; rows have no id
            <div className="editor-row" key={index} data-testid={`${name}-row`}>
              <FieldCondition
                name={`${name}.${index}`}
                value={filter}
                fields={fields}
                ops={FILTER_OPS}
                onChange={(next: Condition) =>
                  onChange(filters.map((old, i) => (i === index ? (next as Filter) : old)))
                }
              />
              <button
                type="button"
                className="secondary"
                onClick={() => onChange(filters.filter((_, i) => i !== index))}
              >
                Remove
              </button>
            </div>
          ))}
          {first ? (
            <button
              type="button"
              className="secondary"
              onClick={() => onChange([...filters, { field: first.name, op: "eq" } as Filter])}
            >
              Add filter
            </button>
          ) : (
            <span className="muted">choose the vertical first: filters use its fields</span>
          )}
        </div>
      );
    },
  });
}
