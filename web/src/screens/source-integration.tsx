// The source's API key and integration guide: rotate the key (the new one shown once), and for each vertical it may
// send, its fields (which go on a ping, which are PII and only ever posted), with example bodies and curl commands
// against this exchange's own URL, in test mode.
import { useState } from "react";
import { get, post } from "../api.ts";
import { useData } from "../use-data.ts";
import { Badge, Problem } from "./common.tsx";

interface Field {
  name: string;
  type: string;
  pii: boolean;
  required: boolean;
  label?: string;
  values?: string[];
  min?: number;
  max?: number;
}

interface Integration {
  source: { id: string; name: string; status: string };
  has_key: boolean;
  verticals: { id: string; name: string; consent_required: boolean; fields: Field[] }[];
}

export function SourceIntegration() {
  const integration = useData("integration", () => get<Integration>("/v1/source/integration"));
  const [key, setKey] = useState<string>();
  const [failure, setFailure] = useState<Error>();
  const [rotating, setRotating] = useState(false);
  const origin = window.location.origin;

  const rotate = async () => {
    if (
      integration.data?.has_key &&
      !window.confirm("Your current key stops working at once. Issue a new one?")
    )
      return;
    setRotating(true);
    setFailure(undefined);
    try {
      setKey((await post<{ api_key: string }>("/v1/source/rotate-key")).api_key);
      integration.reload();
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setRotating(false);
    }
  };

  return (
    <section>
      <h2>Your API key</h2>
      <Problem error={integration.error ?? failure} />
      <p className="muted">
        Send it on every call as <code>Authorization: Bearer &lt;key&gt;</code>. The exchange keeps only its
        hash: a new key is shown once, here, and the old one stops working at once.
      </p>
      {key && (
        <p data-testid="new-key">
          Your new key (copy it now): <code>{key}</code>
        </p>
      )}
      <button type="button" onClick={rotate} disabled={rotating} data-testid="rotate-key">
        {integration.data?.has_key ? "Rotate key" : "Issue a key"}
      </button>
      <h2>Integration guide</h2>
      <p className="muted">
        Two ways to send a lead: <strong>ping then post</strong> (ping the non-PII fields, get a price, post
        the full lead with the ping id if you accept it) or a <strong>direct post</strong> (the full lead at
        once, sold to the best bid). Add <code>"test": true</code> to a ping or direct post while you
        integrate: it is a test lead, offered to buyers marked <code>"test": true</code> (and to their test
        campaigns, which never see live leads), and shows as test in your submissions.
      </p>
      {integration.data?.verticals.map((vertical) => (
        <VerticalGuide key={vertical.id} vertical={vertical} origin={origin} apiKey={key} />
      ))}
    </section>
  );
}

function VerticalGuide(props: {
  vertical: Integration["verticals"][number];
  origin: string;
  apiKey?: string;
}) {
  const { vertical, origin } = props;
  const full = Object.fromEntries(vertical.fields.map((field) => [field.name, example(field)]));
  const pinged = Object.fromEntries(
    vertical.fields.filter((field) => !field.pii).map((field) => [field.name, example(field)]),
  );
  const consent = vertical.consent_required
    ? {
        consent: {
          trustedform_cert_url: "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
        },
      }
    : {};
  const ping = { vertical: vertical.id, test: true, lead: pinged };
  const postBody = { ping_id: "<ping_id from the ping's answer>", lead: full, ...consent };
  const direct = { vertical: vertical.id, test: true, lead: full, ...consent };
  const curl = (path: string, body: unknown) =>
    `curl -s ${origin}${path} \\\n  -H "Authorization: Bearer ${props.apiKey ?? "$GAVEL_KEY"}" \\\n` +
    `  -H "content-type: application/json" \\\n  -d '${JSON.stringify(body)}'`;
  return (
    <article className="guide" data-testid={`guide-${vertical.id}`}>
      <h3>
        {vertical.name} <code className="muted small">{vertical.id}</code>
      </h3>
      <table>
        <thead>
          <tr>
            <th>field</th>
            <th>type</th>
            <th>required</th>
            <th>sent on</th>
          </tr>
        </thead>
        <tbody>
          {vertical.fields.map((field) => (
            <tr key={field.name}>
              <td>
                <code>{field.name}</code> <span className="muted small">{field.label ?? ""}</span>
              </td>
              <td>
                {field.type}
                {field.values ? `: ${field.values.join(", ")}` : ""}
                {field.min !== undefined || field.max !== undefined
                  ? ` (${field.min ?? "…"} to ${field.max ?? "…"})`
                  : ""}
              </td>
              <td>{field.required ? "yes" : "no"}</td>
              <td>{field.pii ? <Badge value="post_only_pii" /> : <Badge value="ping_and_post" />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {vertical.consent_required && (
        <p className="muted">
          This vertical needs proof of consent on the post: a TrustedForm certificate URL or a Jornaya LeadiD.
        </p>
      )}
      <h4>1. Ping (no PII: a PII field on a ping is refused)</h4>
      <pre style={CODE}>{curl("/v1/ping", ping)}</pre>
      <p className="muted small">
        Answer: <code>{'{"ping_id": "…", "status": "bid", "price": 12.5, "expires_at": "…"}'}</code> or{" "}
        <code>"status": "no_bid"</code> with a reason.
      </p>
      <h4>2. Post (the full lead, before the ping expires)</h4>
      <pre style={CODE}>{curl("/v1/post", postBody)}</pre>
      <p className="muted small">
        Answer: <code>{'{"lead_id": "…", "status": "sold", "price": 12.5}'}</code> or <code>"unsold"</code>{" "}
        with a reason.
      </p>
      <h4>Or a direct post</h4>
      <pre style={CODE}>{curl("/v1/leads", direct)}</pre>
      <p className="muted">
        Posting to boberdoo, LeadsPedia or Lead Prosper today? Keep your code: the full posting spec lists the
        compatible endpoints and each platform's field names, with examples:{" "}
        <a href={`/v1/posting-spec/${vertical.id}?format=html`} data-testid={`posting-spec-${vertical.id}`}>
          page
        </a>{" "}
        · <a href={`/v1/posting-spec/${vertical.id}`}>JSON</a>.
      </p>
    </article>
  );
}

// Long one-line bodies wrap rather than widen the page.
const CODE = {
  whiteSpace: "pre-wrap",
  wordBreak: "break-all",
  background: "#f4f4f6",
  padding: "0.6em",
  borderRadius: 4,
} as const;

/** A plausible value of a field's type, for the examples. */
function example(field: Field): unknown {
  switch (field.type) {
    case "integer":
      return field.min ?? 1;
    case "number":
      return field.min ?? 1.5;
    case "boolean":
      return true;
    case "enum":
      return field.values?.[0] ?? "";
    case "zip":
      return "10001";
    case "state":
      return "NY";
    case "phone":
      return "2125550100";
    case "email":
      return "jane.doe@example.com";
    case "url":
      return "https://example.com";
    case "date":
      return "2026-01-15";
    default:
      return field.name.includes("first") ? "Jane" : field.name.includes("last") ? "Doe" : "text";
  }
}
