// A buyer endpoint (ping or post): its URL and how long the exchange waits for it.
import { NumberInput } from "./draft-input.tsx";
import type { Campaign } from "./schema-options.ts";
import { compact, defineEditor, hasOnlyKeys, isNumber } from "./structured-editor.ts";

type Endpoint = NonNullable<Campaign["post"]>;
const TIMEOUT = { min: 10, max: 60000 };

export const endpointEditor = defineEditor<Endpoint>({
  fits: (value): value is Endpoint | undefined =>
    value === undefined ||
    (hasOnlyKeys(value, ["url", "timeout_ms"]) &&
      Object.keys(value).length > 0 &&
      (value.url === undefined || (typeof value.url === "string" && value.url !== "")) &&
      (value.timeout_ms === undefined || isNumber(value.timeout_ms))),
  check(endpoint) {
    if (!endpoint) return undefined;
    if (!/^https?:\/\//.test(endpoint.url ?? "")) return "the URL must start with http:// or https://";
    const timeout = endpoint.timeout_ms;
    if (!isNumber(timeout) || !Number.isInteger(timeout) || timeout < TIMEOUT.min || timeout > TIMEOUT.max)
      return `timeout_ms must be a whole number from ${TIMEOUT.min} to ${TIMEOUT.max}`;
    return undefined;
  },
  Inputs({ name, value, onChange }) {
    const change = (next: Partial<Endpoint>) =>
      onChange(compact({ ...value, ...next }) as Endpoint | undefined);
    return (
      <div className="editor-row">
        <label>
          url{" "}
          <input
            type="text"
            inputMode="url"
            name={`${name}.url`}
            size={48}
            placeholder="https://buyer.example/leads"
            value={value?.url ?? ""}
            onChange={(event) => change({ url: event.target.value === "" ? undefined : event.target.value })}
          />
        </label>
        <label htmlFor={`${name}.timeout_ms`}>
          timeout_ms{" "}
          <NumberInput
            id={`${name}.timeout_ms`}
            name={`${name}.timeout_ms`}
            size={7}
            value={value?.timeout_ms}
            onChange={(timeout_ms) => change({ timeout_ms })}
          />
        </label>
      </div>
    );
  },
});
