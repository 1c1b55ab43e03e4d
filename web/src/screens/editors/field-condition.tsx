// One condition on a lead field, {field, op, value}: the field chosen from the vertical's non-PII fields (a ping never
// carries PII), the operators that field's type allows (src/domain/rules/rule.ts checkFieldRule), and a value input
// that fits the operator: none for exists, a list for in / not_in, two bounds for between, a number for a number field.
import { ListInput, NumberInput } from "./draft-input.tsx";
import { type FieldDefinition, type FieldOperator, type FieldType, TEXT_TYPES } from "./schema-options.ts";
import { isNumber, isRecord, sameValue } from "./structured-editor.ts";

export interface Condition {
  field: string;
  op: FieldOperator;
  value?: unknown;
}

type ValueShape = "none" | "list" | "pair" | "one";

const shapeOf = (op: FieldOperator): ValueShape =>
  op === "exists" || op === "not_exists"
    ? "none"
    : op === "in" || op === "not_in" || op === "zip_prefix_in"
      ? "list"
      : op === "between"
        ? "pair"
        : "one";

const RANGE = new Set<FieldOperator>(["gt", "gte", "lt", "lte", "between"]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const isNumeric = (type: FieldType) => type === "integer" || type === "number";

/** The operators (among `ops`) the server accepts on a field of this type. */
export function opsFor(type: FieldType, ops: readonly FieldOperator[]): FieldOperator[] {
  return ops.filter((op) => {
    if (RANGE.has(op)) return isNumeric(type) || type === "date";
    if (op === "contains" || op === "starts_with") return TEXT_TYPES.has(type);
    if (op === "zip_prefix_in") return type === "zip" || type === "string";
    if (op === "in" || op === "not_in") return type !== "boolean";
    return true;
  });
}

/** Each vertical's fields, by its id: what the campaign's conditions choose from. */
export type FieldsByVertical = Readonly<Record<string, readonly FieldDefinition[]>>;

/** The ping's fields: the vertical's non-PII ones. */
export function pingFields(
  fieldsByVertical: FieldsByVertical,
  vertical: unknown,
): readonly FieldDefinition[] {
  return (fieldsByVertical[String(vertical ?? "")] ?? []).filter((field) => !field.pii);
}

/** A field the vertical does not define (yet) is read from its value, so the row still shows it. */
function typeOf(condition: Condition, fields: readonly FieldDefinition[]): FieldType {
  const known = fields.find((field) => field.name === condition.field)?.type;
  if (known) return known;
  const sample = Array.isArray(condition.value) ? condition.value[0] : condition.value;
  return typeof sample === "number" ? "number" : typeof sample === "boolean" ? "boolean" : "string";
}

/** The list a list input reads back from what it shows: equal to the list when nothing is lost. */
function listShownAgain(list: readonly unknown[], numeric: boolean): unknown[] {
  return list
    .join(", ")
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "")
    .map((x) => (numeric ? Number(x) : x));
}

/** The condition is one these inputs show exactly. */
export function conditionFits(
  value: unknown,
  fields: readonly FieldDefinition[],
  ops: readonly FieldOperator[],
): boolean {
  if (!isRecord(value) || typeof value.field !== "string" || typeof value.op !== "string") return false;
  if (!(ops as readonly string[]).includes(value.op)) return false;
  const condition = value as unknown as Condition;
  const keys = Object.keys(value).filter((key) => key !== "field" && key !== "op");
  const shape = shapeOf(condition.op);
  if (shape === "none") return keys.length === 0;
  if (keys.join() !== "value") return false;
  const type = typeOf(condition, fields);
  const numeric = isNumeric(type);
  const v = condition.value;
  if (shape === "list") return Array.isArray(v) && v.length > 0 && sameValue(listShownAgain(v, numeric), v);
  // A date input shows only a real YYYY-MM-DD.
  const isBound = (x: unknown) => (numeric ? isNumber(x) : typeof x === "string" && ISO_DATE.test(x));
  if (shape === "pair") return Array.isArray(v) && v.length === 2 && v.every(isBound);
  if (numeric) return isNumber(v);
  if (RANGE.has(condition.op)) return isBound(v);
  if (type === "boolean") return typeof v === "boolean";
  return typeof v === "string";
}

/** The first problem with the condition, or undefined. */
export function conditionProblem(
  condition: Condition,
  fields: readonly FieldDefinition[],
): string | undefined {
  if (!condition.field) return "choose a field";
  const what = `${condition.field} ${condition.op}`;
  const shape = shapeOf(condition.op);
  const numeric = isNumeric(typeOf(condition, fields));
  const v = condition.value;
  const bad = (x: unknown) => (numeric ? !isNumber(x) : x === undefined || x === "");
  if (shape === "none") return undefined;
  if (shape === "list") {
    if (!Array.isArray(v) || v.length === 0) return `${what}: give at least one value`;
    if (v.some(bad)) return `${what}: every value must be a number`;
  } else if (shape === "pair") {
    if (!Array.isArray(v) || v.length !== 2 || v.some(bad)) return `${what}: give both bounds`;
    if (numeric && (v[0] as number) > (v[1] as number)) return `${what}: the low bound is above the high`;
  } else if (bad(v)) return `${what}: ${numeric ? "a number is needed" : "a value is needed"}`;
  return undefined;
}

/** The value kept when the operator changes: the same value where the shape allows, otherwise none yet. */
function valueForOp(condition: Condition, op: FieldOperator): unknown {
  const from = shapeOf(condition.op);
  const to = shapeOf(op);
  if (to === from) return condition.value;
  if (to === "list" && from === "one" && condition.value !== undefined) return [condition.value];
  if (to === "one" && from === "list" && Array.isArray(condition.value)) return condition.value[0];
  return undefined;
}

export function FieldCondition(props: {
  name: string;
  value: Condition;
  fields: readonly FieldDefinition[];
  ops: readonly FieldOperator[];
  onChange: (value: Condition) => void;
}) {
  const { name, value, fields, onChange } = props;
  const type = typeOf(value, fields);
  const ops = opsFor(type, props.ops);
  if (!ops.includes(value.op)) ops.unshift(value.op);
  const numeric = isNumeric(type);
  const shape = shapeOf(value.op);
  const set = (next: Partial<Condition>) => {
    const merged = { ...value, ...next };
    const { value: v, ...rest } = merged;
    onChange(shapeOf(merged.op) === "none" ? rest : { ...rest, value: v });
  };
  const definition = fields.find((field) => field.name === value.field);
  return (
    <span className="condition">
      <select
        name={`${name}.field`}
        aria-label="field"
        value={value.field}
        onChange={(event) => {
          const field = fields.find((f) => f.name === event.target.value);
          const allowed = field ? opsFor(field.type, props.ops) : props.ops;
          const op = allowed.includes(value.op) ? value.op : (allowed[0] ?? value.op);
          // A new field's values differ in kind: keep only what the operator's shape can hold as is.
          const sameKind = field && isNumeric(field.type) === numeric && field.type !== "boolean";
          set({ field: event.target.value, op, value: sameKind ? valueForOp(value, op) : undefined });
        }}
      >
        {!definition && <option value={value.field}>{value.field || "— field —"}</option>}
        {fields.map((field) => (
          <option key={field.name} value={field.name}>
            {field.label ?? field.name}
          </option>
        ))}
      </select>
      <select
        name={`${name}.op`}
        aria-label="operator"
        value={value.op}
        onChange={(event) => {
          const op = event.target.value as FieldOperator;
          set({ op, value: valueForOp(value, op) });
        }}
      >
        {ops.map((op) => (
          <option key={op} value={op}>
            {op}
          </option>
        ))}
      </select>
      {shape === "list" && (
        <ListInput
          name={`${name}.value`}
          aria-label="values"
          numeric={numeric}
          value={value.value as (string | number)[] | undefined}
          onChange={(list) => set({ value: list })}
        />
      )}
      {shape === "pair" &&
        [0, 1].map((index) => {
          const pair = Array.isArray(value.value) ? value.value : [];
          const setBound = (bound: unknown) => {
            const next = [pair[0], pair[1]];
            next[index] = bound;
            set({ value: next });
          };
          return numeric ? (
            <NumberInput
              key={index}
              name={`${name}.value.${index}`}
              aria-label={index === 0 ? "from" : "to"}
              value={pair[index] as number | undefined}
              onChange={setBound}
            />
          ) : (
            <input
              key={index}
              type="date"
              name={`${name}.value.${index}`}
              aria-label={index === 0 ? "from" : "to"}
              value={String(pair[index] ?? "")}
              onChange={(event) => setBound(event.target.value)}
            />
          );
        })}
      {shape === "one" &&
        (numeric ? (
          <NumberInput
            name={`${name}.value`}
            aria-label="value"
            value={value.value as number | undefined}
            onChange={(v) => set({ value: v })}
          />
        ) : type === "boolean" ? (
          <select
            name={`${name}.value`}
            aria-label="value"
            value={value.value === undefined ? "" : String(value.value)}
            onChange={(event) =>
              set({ value: event.target.value === "" ? undefined : event.target.value === "true" })
            }
          >
            <option value="">—</option>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        ) : definition?.values && (value.op === "eq" || value.op === "neq") ? (
          <select
            name={`${name}.value`}
            aria-label="value"
            value={String(value.value ?? "")}
            onChange={(event) => set({ value: event.target.value === "" ? undefined : event.target.value })}
          >
            <option value="">—</option>
            {(definition.values.includes(String(value.value ?? "")) || value.value === undefined
              ? definition.values
              : [String(value.value), ...definition.values]
            ).map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        ) : (
          <input
            type={type === "date" && RANGE.has(value.op) ? "date" : "text"}
            name={`${name}.value`}
            aria-label="value"
            value={String(value.value ?? "")}
            onChange={(event) => set({ value: event.target.value === "" ? undefined : event.target.value })}
          />
        ))}
    </span>
  );
}
