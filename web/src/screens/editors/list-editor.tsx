// A list of short strings (a source's allowed sub-ids) typed comma-separated; empty removes the field (any is allowed).
// An item holding a comma could not be told apart, so such a list opens as JSON.
import { ListInput } from "./draft-input.tsx";
import { defineEditor } from "./structured-editor.ts";

export const stringListEditor = defineEditor<string[]>({
  fits: (value): value is string[] | undefined =>
    value === undefined ||
    (Array.isArray(value) &&
      value.every(
        (item) => typeof item === "string" && item.trim() === item && item !== "" && !item.includes(","),
      )),
  check: (value) => value?.find((item) => item.length > 100) && "each item is at most 100 characters",
  Inputs({ name, value, onChange }) {
    return (
      <ListInput
        name={name}
        aria-label={name}
        numeric={false}
        value={value}
        onChange={(list) => onChange(list && list.length > 0 ? (list as string[]) : undefined)}
      />
    );
  },
});
