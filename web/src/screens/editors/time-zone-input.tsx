// An IANA time zone, suggested from the zones this browser knows.
import type { InputHTMLAttributes } from "react";

const ZONES: readonly string[] = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
})();

export function TimeZoneInput(
  props: Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange"> & {
    name: string;
    value: string | undefined;
    onChange: (zone: string | undefined) => void;
  },
) {
  const { value, onChange, ...attributes } = props;
  const list = `${props.name}-zones`;
  return (
    <>
      <input
        type="text"
        list={list}
        aria-label="time zone"
        {...attributes}
        value={value ?? ""}
        onChange={(event) => onChange(event.target.value.trim() === "" ? undefined : event.target.value)}
      />
      <datalist id={list}>
        {ZONES.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
    </>
  );
}
