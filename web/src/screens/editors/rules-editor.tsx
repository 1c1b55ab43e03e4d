// A campaign's `rules`: the rule language (src/domain/rules/rule-schema.ts) as a tree of groups. A group is all of /
// any of its rules; any rule can be negated (not); the leaves are field conditions, local time of day, weekdays and
// lead age. A rule the tree cannot show (a list at the top, an unknown key) opens as JSON.
import { NumberInput } from "./draft-input.tsx";
import {
  type Condition,
  conditionFits,
  conditionProblem,
  FieldCondition,
  type FieldsByVertical,
  pingFields,
} from "./field-condition.tsx";
import {
  CLOSES_AT,
  type FieldDefinition,
  OPENS_AT,
  RULE_OPS,
  type Rule,
  WEEKDAYS,
  type Weekday,
} from "./schema-options.ts";
import { defineEditor, hasOnlyKeys, isNumber, isRecord } from "./structured-editor.ts";

type Fields = readonly FieldDefinition[];
type Group = { all: Rule[] } | { any: Rule[] };
type AgeRule = Extract<Rule, { lead_age_minutes: unknown }>["lead_age_minutes"];

const AGE_OPS = ["gt", "gte", "lt", "lte", "between"] as const satisfies readonly AgeRule["op"][];

const groupKind = (node: unknown): "all" | "any" | undefined =>
  hasOnlyKeys(node, ["all"]) && Array.isArray(node.all)
    ? "all"
    : hasOnlyKeys(node, ["any"]) && Array.isArray(node.any)
      ? "any"
      : undefined;
const childrenOf = (group: Group): Rule[] => ("all" in group ? group.all : group.any);

const isAge = (value: unknown): value is AgeRule =>
  hasOnlyKeys(value, ["op", "value"]) &&
  (AGE_OPS as readonly unknown[]).includes(value.op) &&
  (value.op === "between"
    ? Array.isArray(value.value) && value.value.length === 2 && value.value.every(isNumber)
    : isNumber(value.value));

/** The tree shows this rule exactly. An empty group is shown (its check asks for a rule in it). */
function nodeFits(node: unknown, fields: Fields): boolean {
  const kind = groupKind(node);
  if (kind)
    return ((node as Record<string, unknown[]>)[kind] ?? []).every((child) => nodeFits(child, fields));
  if (!isRecord(node)) return false;
  if ("not" in node) return hasOnlyKeys(node, ["not"]) && nodeFits(node.not, fields);
  if ("field" in node) return conditionFits(node, fields, RULE_OPS);
  if ("time_of_day" in node)
    return (
      hasOnlyKeys(node, ["time_of_day"]) &&
      hasOnlyKeys(node.time_of_day, ["from", "to"]) &&
      typeof node.time_of_day.from === "string" &&
      typeof node.time_of_day.to === "string"
    );
  if ("day_of_week" in node) {
    const days = node.day_of_week;
    return (
      hasOnlyKeys(node, ["day_of_week"]) &&
      Array.isArray(days) &&
      days.every((day) => (WEEKDAYS as readonly unknown[]).includes(day)) &&
      new Set(days).size === days.length
    );
  }
  if ("lead_age_minutes" in node)
    return hasOnlyKeys(node, ["lead_age_minutes"]) && isAge(node.lead_age_minutes);
  return false;
}

function nodeProblem(node: Rule, fields: Fields): string | undefined {
  const kind = groupKind(node);
  if (kind) {
    const children = childrenOf(node as Group);
    if (children.length === 0) return `an "${kind} of" group needs at least one rule`;
    for (const child of children) {
      const problem = nodeProblem(child, fields);
      if (problem) return problem;
    }
    return undefined;
  }
  if ("not" in node) return nodeProblem(node.not, fields);
  if ("field" in node) return conditionProblem(node as Condition, fields);
  if ("time_of_day" in node) {
    const { from, to } = node.time_of_day;
    if (!OPENS_AT.test(from) || !CLOSES_AT.test(to))
      return `time of day: HH:MM to HH:MM (up to 24:00), not ${from}–${to}`;
    return undefined;
  }
  if ("day_of_week" in node) return node.day_of_week.length === 0 ? "weekdays: tick at least one" : undefined;
  if ("lead_age_minutes" in node) {
    const age = node.lead_age_minutes;
    const values = age.op === "between" ? age.value : [age.value];
    if (!values.every((minutes) => isNumber(minutes) && minutes >= 0))
      return "lead age: minutes must be numbers from 0";
  }
  return undefined;
}

export function rulesEditor(fieldsByVertical: FieldsByVertical) {
  return defineEditor<Rule>({
    fits: (value, form): value is Rule | undefined =>
      value === undefined || nodeFits(value, pingFields(fieldsByVertical, form.vertical)),
    check: (rule, form) =>
      rule ? nodeProblem(rule, pingFields(fieldsByVertical, form.vertical)) : undefined,
    Inputs({ name, value, onChange, form }) {
      const fields = pingFields(fieldsByVertical, form.vertical);
      if (value === undefined)
        return (
          <div className="editor-row">
            <span className="muted">no rules</span>
            <AddButtons name={name} fields={fields} onAdd={onChange} />
          </div>
        );
      return (
        <RuleNode
          name={name}
          node={value}
          fields={fields}
          onChange={onChange}
          onRemove={() => onChange(undefined)}
        />
      );
    },
  });
}

/** A new condition on the vertical's first field, a new group; the other leaves come from the "more" menu. */
function AddButtons(props: { name: string; fields: Fields; onAdd: (rule: Rule) => void }) {
  const { name, fields, onAdd } = props;
  const first = fields[0];
  return (
    <>
      {first && (
        <button
          type="button"
          className="secondary"
          data-testid={`${name}-add-condition`}
          onClick={() => onAdd({ field: first.name, op: "eq" } as Rule)}
        >
          Add condition
        </button>
      )}
      <button
        type="button"
        className="secondary"
        data-testid={`${name}-add-group`}
        onClick={() => onAdd({ all: [] } as unknown as Rule)}
      >
        Add group
      </button>
      <select
        aria-label="add another kind of rule"
        data-testid={`${name}-add-more`}
        value=""
        onChange={(event) => {
          const kind = event.target.value;
          if (kind === "time_of_day") onAdd({ time_of_day: { from: "08:00", to: "20:00" } });
          else if (kind === "day_of_week") onAdd({ day_of_week: ["mon", "tue", "wed", "thu", "fri"] });
          else if (kind === "lead_age_minutes") onAdd({ lead_age_minutes: { op: "lte", value: 15 } });
        }}
      >
        <option value="">more…</option>
        <option value="time_of_day">local time of day</option>
        <option value="day_of_week">weekdays</option>
        <option value="lead_age_minutes">lead age</option>
      </select>
    </>
  );
}

function RuleNode(props: {
  name: string;
  node: Rule;
  fields: Fields;
  onChange: (node: Rule) => void;
  onRemove?: () => void;
}) {
  const { name, node, fields, onChange, onRemove } = props;
  const remove = onRemove && (
    <button type="button" className="link" data-testid={`${name}-remove`} onClick={onRemove}>
      remove
    </button>
  );
  if ("not" in node) {
    return (
      <div className="rule-group negated" data-testid={`${name}-not`}>
        <div className="editor-row">
          <strong>not</strong>
          <button
            type="button"
            className="link"
            data-testid={`${name}-unnegate`}
            onClick={() => onChange(node.not)}
          >
            drop “not”
          </button>
          {remove}
        </div>
        <RuleNode
          name={`${name}.not`}
          node={node.not}
          fields={fields}
          onChange={(inner) => onChange({ not: inner })}
        />
      </div>
    );
  }
  const negate = (
    <button
      type="button"
      className="link"
      data-testid={`${name}-negate`}
      onClick={() => onChange({ not: node })}
    >
      not
    </button>
  );
  const kind = groupKind(node);
  if (kind) {
    const children = childrenOf(node as Group);
    const setChildren = (next: Rule[]) => onChange((kind === "all" ? { all: next } : { any: next }) as Rule);
    return (
      <div className="rule-group" data-testid={`${name}-group`}>
        <div className="editor-row">
          <select
            name={`${name}.kind`}
            aria-label="group"
            value={kind}
            onChange={(event) => onChange({ [event.target.value]: children } as unknown as Rule)}
          >
            <option value="all">all of</option>
            <option value="any">any of</option>
          </select>
          {negate}
          {remove}
        </div>
        {children.map((child, index) => (
          <RuleNode
            // biome-ignore lint/suspicious/noArrayIndexKey: a rule is its place in the group; rules have no id
            key={index}
            name={`${name}.${index}`}
            node={child}
            fields={fields}
            onChange={(next) => setChildren(children.map((old, i) => (i === index ? next : old)))}
            onRemove={() => setChildren(children.filter((_, i) => i !== index))}
          />
        ))}
        <div className="editor-row">
          <AddButtons name={name} fields={fields} onAdd={(rule) => setChildren([...children, rule])} />
        </div>
      </div>
    );
  }
  return (
    <div className="editor-row" data-testid={`${name}-leaf`}>
      <Leaf name={name} node={node} fields={fields} onChange={onChange} />
      {negate}
      {remove}
    </div>
  );
}

function Leaf(props: { name: string; node: Rule; fields: Fields; onChange: (node: Rule) => void }) {
  const { name, node, fields, onChange } = props;
  if ("field" in node)
    return (
      <FieldCondition
        name={name}
        value={node as Condition}
        fields={fields}
        ops={RULE_OPS}
        onChange={(next) => onChange(next as Rule)}
      />
    );
  if ("time_of_day" in node) {
    const { from, to } = node.time_of_day;
    return (
      <span className="condition">
        local time from
        <input
          name={`${name}.from`}
          aria-label="from"
          size={5}
          value={from}
          onChange={(event) => onChange({ time_of_day: { from: event.target.value, to } })}
        />
        to
        <input
          name={`${name}.to`}
          aria-label="to"
          size={5}
          value={to}
          onChange={(event) => onChange({ time_of_day: { from, to: event.target.value } })}
        />
      </span>
    );
  }
  if ("day_of_week" in node) {
    const days: readonly Weekday[] = node.day_of_week;
    return (
      <span className="condition">
        on
        {WEEKDAYS.map((day) => (
          <label key={day}>
            <input
              type="checkbox"
              name={`${name}.${day}`}
              checked={days.includes(day)}
              onChange={(event) =>
                onChange({
                  day_of_week: WEEKDAYS.filter((d) => (d === day ? event.target.checked : days.includes(d))),
                } as Rule)
              }
            />
            {day}
          </label>
        ))}
      </span>
    );
  }
  if ("lead_age_minutes" in node) {
    const age = node.lead_age_minutes;
    const bounds = age.op === "between" ? age.value : [age.value];
    const setAge = (next: AgeRule) => onChange({ lead_age_minutes: next });
    return (
      <span className="condition">
        lead age (minutes)
        <select
          name={`${name}.op`}
          aria-label="lead age operator"
          value={age.op}
          onChange={(event) => {
            const op = event.target.value as AgeRule["op"];
            const first = bounds[0] ?? 0;
            setAge(op === "between" ? { op, value: [first, bounds[1] ?? first] } : { op, value: first });
          }}
        >
          {AGE_OPS.map((op) => (
            <option key={op} value={op}>
              {op}
            </option>
          ))}
        </select>
        {bounds.map((bound, index) => (
          <NumberInput
            // biome-ignore lint/suspicious/noArrayIndexKey: the low and the high bound
            key={index}
            name={`${name}.value${age.op === "between" ? `.${index}` : ""}`}
            aria-label="minutes"
            size={5}
            value={bound}
            onChange={(minutes) => {
              const value = minutes ?? Number.NaN;
              if (age.op !== "between") setAge({ op: age.op, value });
              else
                setAge({ op: "between", value: index === 0 ? [value, age.value[1]] : [age.value[0], value] });
            }}
          />
        ))}
      </span>
    );
  }
  return null;
}
