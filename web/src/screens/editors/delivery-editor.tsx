// How a sold lead reaches a campaign that takes no real-time post: by e-mail to a few addresses, or as a signed
// webhook (src/deliveries/). Absent: the campaign's post endpoint.
import { ListInput, NumberInput } from "./draft-input.tsx";
import type { Campaign } from "./schema-options.ts";
import { defineEditor, hasOnlyKeys, isNumber } from "./structured-editor.ts";

type Delivery = NonNullable<Campaign["delivery"]>;
type DeliveryType = Delivery["type"];

const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
const SECRET = { min: 16, max: 256 };
const TIMEOUT = { min: 100, max: 25000 };
const MAX_ADDRESSES = 20;

/** Addresses as a comma-separated list read back: none may hold a comma or spaces around it. */
const isAddressList = (value: unknown) =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every(
    (address) =>
      typeof address === "string" && address !== "" && !address.includes(",") && address.trim() === address,
  );

export const deliveryEditor = defineEditor<Delivery>({
  fits: (value): value is Delivery | undefined =>
    value === undefined ||
    (hasOnlyKeys(value, ["type", "to"]) && value.type === "email" && isAddressList(value.to)) ||
    (hasOnlyKeys(value, ["type", "url", "secret", "timeout_ms"]) &&
      value.type === "webhook" &&
      typeof value.url === "string" &&
      typeof value.secret === "string" &&
      (value.timeout_ms === undefined || isNumber(value.timeout_ms))),
  check(delivery) {
    if (!delivery) return undefined;
    if (delivery.type === "email") {
      if (delivery.to.length === 0) return "give at least one address";
      if (delivery.to.length > MAX_ADDRESSES) return `at most ${MAX_ADDRESSES} addresses`;
      const bad = delivery.to.find((address) => !EMAIL.test(address));
      return bad === undefined ? undefined : `${bad} is not an e-mail address`;
    }
    if (!/^https?:\/\//.test(delivery.url)) return "the URL must start with http:// or https://";
    if (delivery.secret.length < SECRET.min || delivery.secret.length > SECRET.max)
      return `the secret must be ${SECRET.min} to ${SECRET.max} characters`;
    const timeout = delivery.timeout_ms;
    if (
      timeout !== undefined &&
      (!Number.isInteger(timeout) || timeout < TIMEOUT.min || timeout > TIMEOUT.max)
    )
      return `timeout_ms must be a whole number from ${TIMEOUT.min} to ${TIMEOUT.max}`;
    return undefined;
  },
  Inputs({ name, value, onChange }) {
    const choose = (type: DeliveryType | "") =>
      onChange(
        type === "email" ? { type, to: [] } : type === "webhook" ? { type, url: "", secret: "" } : undefined,
      );
    return (
      <div className="editor-row">
        <select
          name={`${name}.type`}
          aria-label="delivery"
          value={value?.type ?? ""}
          onChange={(event) => choose(event.target.value as DeliveryType | "")}
        >
          <option value="">none (the post endpoint)</option>
          <option value="email">e-mail</option>
          <option value="webhook">signed webhook</option>
        </select>
        {value?.type === "email" && (
          <ListInput
            name={`${name}.to`}
            aria-label="addresses"
            placeholder="leads@buyer.example, …"
            size={48}
            numeric={false}
            value={value.to}
            onChange={(to) => onChange({ type: "email", to: (to ?? []).map(String) })}
          />
        )}
        {value?.type === "webhook" && (
          <>
            <input
              name={`${name}.url`}
              aria-label="url"
              inputMode="url"
              size={40}
              placeholder="https://buyer.example/leads"
              value={value.url}
              onChange={(event) => onChange({ ...value, url: event.target.value })}
            />
            <input
              name={`${name}.secret`}
              aria-label="signing secret"
              placeholder="signing secret (16+ characters)"
              value={value.secret}
              onChange={(event) => onChange({ ...value, secret: event.target.value })}
            />
            <NumberInput
              name={`${name}.timeout_ms`}
              aria-label="timeout_ms"
              placeholder="timeout_ms"
              size={7}
              value={value.timeout_ms}
              onChange={(timeout_ms) => {
                const { timeout_ms: _, ...rest } = value;
                onChange(timeout_ms === undefined ? rest : { ...rest, timeout_ms });
              }}
            />
          </>
        )}
      </div>
    );
  },
});
