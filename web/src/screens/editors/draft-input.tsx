// Inputs that keep what is being typed ("5.", "CA, ") while handing the form the value it reads as: a number (NaN
// while the text is not one, so a check can name it), a list. When the value changes from outside (a row removed
// above), the text follows it.
import { type InputHTMLAttributes, useState } from "react";
import { sameValue } from "./structured-editor.ts";

type Attributes = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange">;

export function DraftInput<T>(
  props: Attributes & {
    value: T | undefined;
    show: (value: T | undefined) => string;
    read: (text: string) => T | undefined;
    onChange: (value: T | undefined) => void;
  },
) {
  const { value, show, read, onChange, ...attributes } = props;
  const [text, setText] = useState(() => show(value));
  const shown = sameValue(read(text), value) ? text : show(value);
  return (
    <input
      type="text"
      {...attributes}
      value={shown}
      onChange={(event) => {
        setText(event.target.value);
        onChange(read(event.target.value));
      }}
    />
  );
}

/** Empty text is no value; anything else that is not a number is NaN. */
export const readNumber = (text: string): number | undefined =>
  text.trim() === "" ? undefined : Number(text);
const showNumber = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? "" : String(value);

export function NumberInput(
  props: Attributes & { value: number | undefined; onChange: (value: number | undefined) => void },
) {
  return <DraftInput inputMode="decimal" {...props} show={showNumber} read={readNumber} />;
}

/** Comma-separated items; numbers when `numeric` (NaN for an item that is not one). */
export function ListInput(
  props: Attributes & {
    value: (string | number)[] | undefined;
    numeric: boolean;
    onChange: (value: (string | number)[] | undefined) => void;
  },
) {
  const { numeric, ...rest } = props;
  return (
    <DraftInput
      placeholder="a, b, c"
      {...rest}
      show={(list) => (list ?? []).join(", ")}
      read={(text) => {
        const items = text
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== "");
        return numeric ? items.map(Number) : items;
      }}
    />
  );
}
