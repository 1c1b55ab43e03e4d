// The configuration screens' one form and one list: plain inputs described by specs, structured editors (with JSON as
// the escape hatch) and JSON fields checked in the browser before anything is sent, and the server's validation (code,
// message, field) shown next to the field it names.
import { type ReactNode, useState } from "react";
import { ApiError, get, put } from "../api.ts";
import { useData } from "../use-data.ts";
import { Badge, CopyButton, Problem } from "./common.tsx";
import { DeleteEntry } from "./config-actions.tsx";
import type { StructuredEditor } from "./editors/structured-editor.ts";

export interface FieldSpec {
  /** The property of the entity (top level); the server's field paths ("caps.daily") land on it. */
  name: string;
  kind: "text" | "number" | "select" | "json" | "checkbox" | "editor";
  label?: string;
  /** What the setting does, shown beside it (and read out with its input). */
  help?: string;
  options?: readonly string[];
  required?: boolean;
  /** A structured reading of a JSON field's parsed value, shown under it when it is simple enough. */
  view?: (value: unknown) => ReactNode;
  /** kind "editor": the inputs for the value, which also opens as JSON when they cannot show all of it. */
  editor?: StructuredEditor;
}

// biome-ignore lint/suspicious/noExplicitAny: configuration entities are arbitrary JSON the server validates
export type Entity = { id: string; name?: string; status?: string } & Record<string, any>;

/** An editor field's state: its value in the editor, or its text while it is shown as JSON. */
type Structured = { json: false; value: unknown } | { json: true; text: string };
type Value = string | boolean | Structured;
type Values = Record<string, Value>;

const asJson = (value: unknown) => (value === undefined ? "" : JSON.stringify(value, null, 2));
const isStructured = (value: Value | undefined): value is Structured => typeof value === "object";

// Plain layout kept here, beside the only form that uses it: a label above each input, errors in the problem red.
const FIELD_STYLE = { display: "grid", gap: "0.2rem", margin: "0.6rem 0", maxWidth: "48rem" } as const;
const ERROR_STYLE = { color: "#a12020" } as const;
const TEXTAREA_STYLE = { fontFamily: "monospace", width: "100%" } as const;

function toValues(specs: readonly FieldSpec[], entity: Entity): Values {
  const values: Values = {};
  for (const spec of specs) {
    const value = entity[spec.name];
    if (spec.kind === "checkbox") values[spec.name] = value === true;
    else if (spec.kind === "editor")
      values[spec.name] = spec.editor?.fits(value, entity)
        ? { json: false, value }
        : { json: true, text: asJson(value) };
    else if (spec.kind === "json") values[spec.name] = asJson(value);
    else values[spec.name] = value === undefined || value === null ? "" : String(value);
  }
  return values;
}

/** What the editors see of the rest of the form: plain values as typed, editor values as edited. */
function formView(values: Values): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values))
    view[name] = isStructured(value) ? (value.json ? undefined : value.value) : value;
  return view;
}

/** The entity to PUT: what it was (so fields the form does not show are kept), with the form's values over it. */
function toEntity(specs: readonly FieldSpec[], values: Values, base: Entity) {
  const body: Record<string, unknown> = { ...base };
  const errors: Record<string, string> = {};
  for (const spec of specs) {
    const value = values[spec.name];
    if (spec.kind === "checkbox") {
      body[spec.name] = value === true;
      continue;
    }
    if (isStructured(value) && !value.json) {
      const problem = spec.editor?.check?.(value.value, formView(values));
      if (problem) errors[spec.name] = problem;
      else if (value.value === undefined) delete body[spec.name];
      else body[spec.name] = value.value;
      continue;
    }
    const text = (isStructured(value) ? (value.json ? value.text : "") : String(value ?? "")).trim();
    if (text === "") {
      delete body[spec.name];
      continue;
    }
    if (spec.kind === "number") {
      if (Number.isFinite(Number(text))) body[spec.name] = Number(text);
      else errors[spec.name] = `must be a number, not "${text}"`;
    } else if (spec.kind === "json" || spec.kind === "editor") {
      try {
        body[spec.name] = JSON.parse(text);
      } catch (error) {
        errors[spec.name] = `not valid JSON: ${(error as Error).message}`;
      }
    } else body[spec.name] = text;
  }
  return { body, errors };
}

/** The spec a server field path belongs to: "pricing.price" is the pricing field's. */
function fieldOf(specs: readonly FieldSpec[], path: string | undefined): string | undefined {
  if (!path) return undefined;
  return specs.find((spec) => path === spec.name || path.startsWith(`${spec.name}.`))?.name;
}

export function EntityForm(props: {
  specs: readonly FieldSpec[];
  /** The entry being edited: its fields the form does not show are kept. A new entry starts from a blank one. */
  entity: Entity;
  isNew: boolean;
  /** Where it is saved: PUT /v1/admin/<plural>/<id>. */
  plural: string;
  onSaved: (saved: Entity) => void;
}) {
  const { specs, entity, plural, isNew } = props;
  const [values, setValues] = useState<Values>(() => toValues(specs, entity));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Error>();
  const [saved, setSaved] = useState<string>();
  /** A new source's key, answered once with its creation. */
  const [savedKey, setSavedKey] = useState<string>();
  const set = (name: string, value: Value) => setValues((v) => ({ ...v, [name]: value }));
  const setError = (name: string, error: string | undefined) =>
    setErrors(({ [name]: _, ...others }) => (error ? { ...others, [name]: error } : others));

  return (
    <form
      className="config-form"
      data-testid={`${plural}-form`}
      onSubmit={async (event) => {
        event.preventDefault();
        setSaved(undefined);
        setProblem(undefined);
        const { body, errors: local } = toEntity(specs, values, entity);
        setErrors(local);
        if (Object.keys(local).length > 0) return;
        const id = String(body.id ?? "");
        try {
          const answer = await put<Entity & { api_key?: string }>(
            `/v1/admin/${plural}/${encodeURIComponent(id)}`,
            body,
          );
          setSaved("Saved.");
          setSavedKey(answer.api_key);
          // A new source is answered with its key beside it: {source, api_key}.
          props.onSaved(typeof answer.id === "string" ? answer : (answer.source as Entity));
        } catch (error) {
          const field = error instanceof ApiError ? fieldOf(specs, error.field) : undefined;
          if (field && error instanceof ApiError) setErrors({ [field]: `${error.message} (${error.code})` });
          else if (error instanceof ApiError && error.field)
            setProblem(new Error(`${error.message} (field ${error.field}; ${error.code})`));
          else setProblem(error as Error);
        }
      }}
    >
      {specs.map((spec) => (
        <div className="config-field" style={FIELD_STYLE} key={spec.name} data-field={spec.name}>
          {spec.kind === "editor" && spec.editor ? (
            <StructuredField
              spec={spec}
              editor={spec.editor}
              state={values[spec.name] as Structured}
              form={formView(values)}
              onChange={(state) => set(spec.name, state)}
              onProblem={(problem) => setError(spec.name, problem)}
            />
          ) : (
            <>
              <label htmlFor={`field-${spec.name}`}>{spec.label ?? spec.name}</label>
              <Input
                spec={spec}
                value={(values[spec.name] as string | boolean | undefined) ?? ""}
                readOnly={spec.name === "id" && !isNew}
                onChange={(value) => set(spec.name, value)}
              />
            </>
          )}
          {spec.help && (
            <small className="help" id={`help-${spec.name}`}>
              {spec.help}
            </small>
          )}
          {errors[spec.name] && (
            <span className="field-error" style={ERROR_STYLE} data-testid={`error-${spec.name}`}>
              {errors[spec.name]}
            </span>
          )}
          {spec.view && <JsonView spec={spec} text={String(values[spec.name] ?? "")} />}
        </div>
      ))}
      <button type="submit">Save</button>
      {saved && (
        <p data-testid="saved">
          {saved}
          {savedKey && (
            <>
              {" "}
              Its API key (shown once): <code data-testid="saved-key">{savedKey}</code>{" "}
              <CopyButton text={savedKey} testId="copy-saved-key" />
            </>
          )}
        </p>
      )}
      <Problem error={problem} />
    </form>
  );
}

function Input(props: {
  spec: FieldSpec;
  value: string | boolean;
  readOnly: boolean;
  onChange: (value: string | boolean) => void;
}) {
  const { spec, value, readOnly, onChange } = props;
  const id = `field-${spec.name}`;
  const described = spec.help ? { "aria-describedby": `help-${spec.name}` } : {};
  if (spec.kind === "checkbox") {
    return (
      <input
        id={id}
        name={spec.name}
        type="checkbox"
        {...described}
        checked={value === true}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  }
  if (spec.kind === "select") {
    return (
      <select
        id={id}
        name={spec.name}
        {...described}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      >
        {!spec.required && <option value="">—</option>}
        {spec.options?.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  }
  if (spec.kind === "json") {
    return (
      <textarea
        id={id}
        name={spec.name}
        rows={Math.min(12, Math.max(2, String(value).split("\n").length))}
        spellCheck={false}
        style={TEXTAREA_STYLE}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <input
      id={id}
      name={spec.name}
      type="text"
      {...described}
      inputMode={spec.kind === "number" ? "decimal" : undefined}
      readOnly={readOnly}
      required={spec.required}
      value={String(value)}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/**
 * An editor field with its JSON switch. Editor to JSON always works; back to the editor only when the JSON parses and
 * the editor can show all of it (otherwise it says why and stays JSON), so switching never loses anything.
 */
function StructuredField(props: {
  spec: FieldSpec;
  editor: StructuredEditor;
  state: Structured;
  form: Record<string, unknown>;
  onChange: (state: Structured) => void;
  onProblem: (problem: string | undefined) => void;
}) {
  const { spec, editor, state, form, onChange, onProblem } = props;
  const id = `field-${spec.name}`;
  const toggle = () => {
    if (!state.json) {
      onProblem(undefined);
      onChange({ json: true, text: asJson(state.value) });
      return;
    }
    let value: unknown;
    try {
      value = state.text.trim() === "" ? undefined : JSON.parse(state.text);
    } catch (error) {
      onProblem(`not valid JSON: ${(error as Error).message}`);
      return;
    }
    if (!editor.fits(value, form)) {
      onProblem("the form cannot show all of this value: edit it as JSON");
      return;
    }
    onProblem(undefined);
    onChange({ json: false, value });
  };
  return (
    <>
      <span className="field-label">
        {state.json ? <label htmlFor={id}>{spec.label ?? spec.name}</label> : (spec.label ?? spec.name)}
        <button
          type="button"
          className="link json-toggle"
          data-testid={`json-toggle-${spec.name}`}
          aria-pressed={state.json}
          onClick={toggle}
        >
          {state.json ? "Form" : "JSON"}
        </button>
      </span>
      {state.json ? (
        <Input
          spec={{ ...spec, kind: "json" }}
          value={state.text}
          readOnly={false}
          onChange={(text) => onChange({ json: true, text: String(text) })}
        />
      ) : (
        <editor.Inputs
          name={spec.name}
          value={state.value}
          form={form}
          onChange={(value) => onChange({ json: false, value })}
          asJson={(value) => onChange({ json: true, text: asJson(value) })}
        />
      )}
    </>
  );
}

function JsonView({ spec, text }: { spec: FieldSpec; text: string }) {
  if (!text.trim() || !spec.view) return null;
  try {
    return <div className="json-view">{spec.view(JSON.parse(text))}</div>;
  } catch {
    return null;
  }
}

/**
 * A configuration list: its entries with an edit and a delete button each, a "new" button, the form for the one
 * chosen, and what a screen adds per entry (rotate a key, test a campaign).
 */
export function ConfigList(props: {
  title: string;
  plural: string;
  specs: readonly FieldSpec[];
  /** What "new" starts from. */
  blank: () => Entity;
  columns?: (entity: Entity) => ReactNode;
  actions?: (entity: Entity, reload: () => void) => ReactNode;
}) {
  const { plural, specs } = props;
  const list = useData(plural, () => get<Record<string, Entity[]>>(`/v1/admin/${plural}`));
  // A new form per choice (the key), so its fields start from the entry chosen.
  const [editing, setEditing] = useState<{ key: number; entity: Entity; isNew: boolean }>();
  const entries = list.data?.[plural] ?? [];
  return (
    <section>
      <h2>{props.title}</h2>
      <Problem error={list.error} />
      <table data-testid={`${plural}-table`}>
        <tbody>
          {entries.map((entity) => (
            <tr key={entity.id}>
              <td>{entity.id}</td>
              <td>{entity.name}</td>
              <td>{entity.status && <Badge value={entity.status} />}</td>
              {props.columns && <td>{props.columns(entity)}</td>}
              <td>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => setEditing({ key: Date.now(), entity, isNew: false })}
                >
                  Edit
                </button>
                {props.actions?.(entity, list.reload)}
                <DeleteEntry
                  path={`/v1/admin/${plural}/${encodeURIComponent(entity.id)}`}
                  what={`${entity.id} (its history, leads and reports, stays)`}
                  testId={entity.id}
                  onDeleted={() => {
                    list.reload();
                    if (editing?.entity.id === entity.id) setEditing(undefined);
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button
        type="button"
        onClick={() => setEditing({ key: Date.now(), entity: props.blank(), isNew: true })}
      >
        New
      </button>
      {editing && (
        <EntityForm
          key={editing.key}
          specs={specs}
          plural={plural}
          entity={editing.entity}
          isNew={editing.isNew}
          onSaved={(saved) => {
            list.reload();
            setEditing({ key: editing.key, entity: saved, isNew: false });
          }}
        />
      )}
    </section>
  );
}
