// What a structured editor is to the configuration form: inputs for one field's value, a test of whether those inputs
// can show a value without losing anything (otherwise the field opens as JSON), and the checks worth making in the
// browser before the server (which stays the authority) sees the value.
import type { FunctionComponent } from "react";

export interface EditorProps<T = unknown> {
  /** The field's name: the prefix of its inputs' names ("caps.0.period"). */
  name: string;
  /** The field's value; undefined when the entity does not have it. */
  value: T | undefined;
  /** undefined removes the field from the entity. */
  onChange: (value: T | undefined) => void;
  /** The form's other values as they stand (the campaign's vertical, say). */
  form: Readonly<Record<string, unknown>>;
  /** Shows the field as JSON holding this value: for what the inputs leave to JSON (a templated integration). */
  asJson: (value: unknown) => void;
}

export interface StructuredEditor {
  /** The inputs show exactly this value: editing it, or saving it unchanged, loses nothing. */
  fits(value: unknown, form: Readonly<Record<string, unknown>>): boolean;
  /** The first problem found without asking the server, said for a person; undefined when none. */
  check?(value: unknown, form: Readonly<Record<string, unknown>>): string | undefined;
  Inputs: FunctionComponent<EditorProps>;
}

/** Types an editor over its own value; `fits` is the guard that makes the casts below it true. */
export function defineEditor<T>(editor: {
  fits(value: unknown, form: Readonly<Record<string, unknown>>): value is T | undefined;
  check?(value: T | undefined, form: Readonly<Record<string, unknown>>): string | undefined;
  Inputs: FunctionComponent<EditorProps<T>>;
}): StructuredEditor {
  return editor as unknown as StructuredEditor;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** An object whose keys are all among `allowed`. */
export const hasOnlyKeys = (value: unknown, allowed: readonly string[]): value is Record<string, unknown> =>
  isRecord(value) && Object.keys(value).every((key) => allowed.includes(key));

/** A number an input may hold: finite (NaN is what a number input reports for text that is not a number). */
export const isNumber = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value);

/** Deep equality of JSON-like values, NaN equal to itself (an input's "not a number yet"). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    const other = Object.keys(b).filter((key) => b[key] !== undefined);
    return keys.length === other.length && keys.every((key) => sameValue(a[key], b[key]));
  }
  return false;
}

/** Without the keys whose value is undefined (an emptied input). */
export function compact<T extends Record<string, unknown>>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}
