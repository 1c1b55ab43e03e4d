// A source's posting spec for one vertical, as LeadsPedia and Lead Prosper generate one for each of their sellers:
// the fields (type, allowed values, required on the ping or the post, the name each compatible platform may use),
// the endpoints in each flavour (native and compatible), example requests and answers, and test mode. Built from the
// live configuration, so it is never out of date. Pure: src/http/posting-spec-routes.ts serves it as JSON and HTML.
import type { InboundMapping, Source } from "../domain/config-schema.ts";
import { sampleLead } from "../domain/sample-lead.ts";
import type { Vertical } from "../domain/vertical.ts";
import { BOBERDOO_FIELDS } from "./boberdoo.ts";
import type { PlatformFieldMap } from "./inbound-lead.ts";
import { LEAD_PROSPER_FIELDS } from "./lead-prosper.ts";
import { LEADSPEDIA_FIELDS } from "./leadspedia.ts";
import type { Platform, PostingSpec, SpecField } from "./posting-spec-schema.ts";

const PLATFORMS = {
  boberdoo: BOBERDOO_FIELDS,
  leadspedia: LEADSPEDIA_FIELDS,
  lead_prosper: LEAD_PROSPER_FIELDS,
} satisfies Record<Platform, PlatformFieldMap>;

/** The campaign id a compatible seller sends for this vertical: its own mapping, else the vertical's id. */
export function campaignIdFor(mapping: InboundMapping | undefined, verticalId: string): string {
  const own = Object.entries(mapping?.campaigns ?? {}).find(([, vertical]) => vertical === verticalId);
  return own?.[0] ?? verticalId;
}

export function postingSpec(source: Source, vertical: Vertical, baseUrl: string): PostingSpec {
  const mapping = source.inbound;
  const campaign = campaignIdFor(mapping, vertical.id);
  const nameIn = (platform: Platform, target: string): string | undefined => {
    for (const map of [mapping?.fields ?? {}, PLATFORMS[platform] as PlatformFieldMap]) {
      for (const [name, to] of Object.entries(map)) if (to === target) return name;
    }
    return undefined;
  };
  const alsoNamed = (target: string) =>
    Object.fromEntries(
      (Object.keys(PLATFORMS) as Platform[]).flatMap((platform) => {
        const name = nameIn(platform, target);
        return name && name !== target ? [[platform, name]] : [];
      }),
    ) as Partial<Record<Platform, string>>;

  const fields: SpecField[] = vertical.fields.map((field) => ({
    name: field.name,
    type: field.type,
    pii: field.pii,
    required_on_ping: field.required && !field.pii,
    required_on_post: field.required,
    // Before the optional ones, where the JSON serializer writes it (required properties first).
    also_named: alsoNamed(field.name),
    ...(field.values ? { values: field.values } : {}),
    ...(field.min === undefined ? {} : { min: field.min }),
    ...(field.max === undefined ? {} : { max: field.max }),
    ...(field.max_length === undefined ? {} : { max_length: field.max_length }),
    ...(field.label ? { label: field.label } : {}),
  }));

  const consentKeys = new Set(["trustedform_cert_url", "jornaya_leadid"]);
  for (const map of [mapping?.fields ?? {}, ...Object.values(PLATFORMS)]) {
    for (const to of Object.values(map)) if (to?.startsWith("consent.")) consentKeys.add(to.slice(8));
  }
  const consent = [...consentKeys].map((key) => ({
    key,
    also_named: Object.fromEntries(
      (Object.keys(PLATFORMS) as Platform[]).map((platform) => [
        platform,
        Object.entries({ ...PLATFORMS[platform], ...(mapping?.fields ?? {}) })
          .filter(([, to]) => to === `consent.${key}`)
          .map(([name]) => name),
      ]),
    ),
  }));

  // The visit (docs/api.md "Lead context"), by each platform's names.
  const context = ["ip_address", "user_agent", "landing_page_url", "trustedform_ping_url"].map((key) => ({
    key,
    also_named: Object.fromEntries(
      (Object.keys(PLATFORMS) as Platform[]).map((platform) => [
        platform,
        Object.entries({ ...PLATFORMS[platform], ...(mapping?.fields ?? {}) })
          .filter(([, to]) => to === `context.${key}`)
          .map(([name]) => name),
      ]),
    ),
  }));

  const example = sampleLead(vertical, "post");
  const pingPart = Object.fromEntries(Object.entries(example).filter(([name]) => isPing(vertical, name)));
  const consentExample = {
    trustedform_cert_url: "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
  };
  const inPlatformNames = (platform: Platform, lead: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(lead).map(([name, value]) => [nameIn(platform, name) ?? name, String(value)]),
    );
  const certName = (platform: Platform) =>
    nameIn(platform, "consent.trustedform_cert_url") ?? "trustedform_cert_url";

  return {
    source: { id: source.id, name: source.name, status: source.status },
    vertical: { id: vertical.id, name: vertical.name, consent_required: vertical.consent_required === true },
    fields,
    consent,
    context,
    test_mode:
      source.status === "test"
        ? "This source is in test mode: every lead it sends is a test lead (never sold, never charged)."
        : 'Mark a lead as a test: native "test": true; boberdoo Test_Lead=1; LeadsPedia lp_test=1 (or "test" as the first or last name); Lead Prosper lp_action=test.',
    endpoints: {
      native: {
        ping: `POST ${baseUrl}/v1/ping`,
        post: `POST ${baseUrl}/v1/post`,
        direct_post: `POST ${baseUrl}/v1/leads`,
        auth: "Authorization: Bearer <your API key>",
      },
      boberdoo: {
        form: `POST ${baseUrl}/new_api/api.php`,
        json: `POST ${baseUrl}/apiJSON.php`,
        xml: `POST ${baseUrl}/apiXML.php`,
        auth: "Key=<your API key>",
        TYPE: campaign,
      },
      leadspedia: {
        ping: `POST or GET ${baseUrl}/ping.do`,
        post: `POST or GET ${baseUrl}/post.do (with lp_ping_id: a post; without: a direct post)`,
        auth: "lp_campaign_key=<your API key>",
        lp_campaign_id: campaign,
      },
      lead_prosper: {
        ping: `POST ${baseUrl}/leadprosper/ping`,
        post: `POST ${baseUrl}/leadprosper/post`,
        direct_post: `POST ${baseUrl}/leadprosper/direct_post`,
        auth: "lp_key=<your API key>",
        lp_campaign_id: campaign,
      },
    },
    examples: {
      native: {
        ping: {
          request: { vertical: vertical.id, lead: pingPart },
          answer: { ping_id: "<ping id>", status: "bid", price: 24, expires_at: "<RFC 3339>" },
        },
        post: {
          request: { ping_id: "<ping id>", lead: example, consent: consentExample },
          answer: { lead_id: "<lead id>", status: "sold", price: 24 },
        },
      },
      boberdoo: {
        ping: {
          request: new URLSearchParams({
            Key: "<your API key>",
            API_Action: "pingPostLead",
            Mode: "ping",
            TYPE: campaign,
            Return_Best_Price: "1",
            ...inPlatformNames("boberdoo", pingPart),
          }).toString(),
          answer:
            "<response><status>Matched</status><lead_id>&lt;ping id&gt;</lead_id><price>24.00</price></response>",
        },
        post: {
          request: new URLSearchParams({
            Key: "<your API key>",
            API_Action: "pingPostLead",
            Mode: "post",
            TYPE: campaign,
            Lead_ID: "<lead_id from the ping>",
            ...inPlatformNames("boberdoo", example),
            [certName("boberdoo")]: consentExample.trustedform_cert_url,
          }).toString(),
          answer:
            "<response><status>Matched</status><lead_id>&lt;lead id&gt;</lead_id><price>24.00</price></response>",
        },
      },
      leadspedia: {
        ping: {
          request: new URLSearchParams({
            lp_campaign_id: campaign,
            lp_campaign_key: "<your API key>",
            lp_response: "JSON",
            ...inPlatformNames("leadspedia", pingPart),
          }).toString(),
          answer: { result: "success", ping_id: "<ping id>", price: "24.00", msg: "Ping Accepted" },
        },
        post: {
          request: new URLSearchParams({
            lp_campaign_id: campaign,
            lp_campaign_key: "<your API key>",
            lp_response: "JSON",
            lp_ping_id: "<ping_id from the ping>",
            ...inPlatformNames("leadspedia", example),
            [certName("leadspedia")]: consentExample.trustedform_cert_url,
          }).toString(),
          answer: { result: "success", lead_id: "<lead id>", price: "24.00", msg: "Lead Accepted" },
        },
      },
      lead_prosper: {
        ping: {
          request: {
            lp_campaign_id: campaign,
            lp_supplier_id: source.id,
            lp_key: "<your API key>",
            ...renamed("lead_prosper", pingPart, nameIn),
          },
          answer: {
            status: "ACCEPTED",
            code: 0,
            message: "",
            ping_id: "<ping id>",
            payout: 24,
            bids: [{ bid_id: "<ping id>", payout: 24 }],
          },
        },
        post: {
          request: {
            lp_campaign_id: campaign,
            lp_supplier_id: source.id,
            lp_key: "<your API key>",
            lp_ping_id: "<ping_id from the ping>",
            ...renamed("lead_prosper", example, nameIn),
            [certName("lead_prosper")]: consentExample.trustedform_cert_url,
          },
          answer: { status: "ACCEPTED", code: 0, message: "", lead_id: "<lead id>", payout: 24 },
        },
      },
    },
  };
}

function renamed(
  platform: Platform,
  lead: Record<string, unknown>,
  nameIn: (platform: Platform, target: string) => string | undefined,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(lead).map(([name, value]) => [nameIn(platform, name) ?? name, value]),
  );
}

function isPing(vertical: Vertical, name: string): boolean {
  return vertical.fields.some((field) => field.name === name && !field.pii);
}

const html = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The same spec as a page a seller's developer reads. */
export function postingSpecHtml(spec: PostingSpec): string {
  const rows = spec.fields
    .map(
      (field) =>
        `<tr><td><code>${html(field.name)}</code></td><td>${html(field.type)}${
          field.values ? `: ${field.values.map((v) => `<code>${html(v)}</code>`).join(", ")}` : ""
        }${field.min !== undefined || field.max !== undefined ? ` (${field.min ?? ""}…${field.max ?? ""})` : ""}</td><td>${
          field.required_on_ping ? "yes" : field.pii ? "never (personal data)" : "no"
        }</td><td>${field.required_on_post ? "yes" : "no"}</td><td>${Object.entries(field.also_named)
          .map(([platform, name]) => `${html(platform)}: <code>${html(String(name))}</code>`)
          .join("<br>")}</td></tr>`,
    )
    .join("");
  const keyRows = (items: PostingSpec["consent"]) =>
    items
      .map(
        (item) =>
          `<tr><td><code>${html(item.key)}</code></td><td>${Object.entries(item.also_named)
            .filter(([, names]) => names && names.length > 0)
            .map(
              ([platform, names]) =>
                `${html(platform)}: ${(names ?? []).map((n) => `<code>${html(n)}</code>`).join(", ")}`,
            )
            .join("<br>")}</td></tr>`,
      )
      .join("");
  const consent = keyRows(spec.consent);
  const context = keyRows(spec.context);
  const endpoints = Object.entries(spec.endpoints)
    .map(
      ([flavour, lines]) =>
        `<h3>${html(flavour)}</h3><ul>${Object.entries(lines)
          .map(([what, line]) => `<li>${html(what)}: <code>${html(line)}</code></li>`)
          .join("")}</ul>`,
    )
    .join("");
  const examples = Object.entries(spec.examples)
    .map(([flavour, calls]) =>
      Object.entries(calls)
        .map(
          ([call, { request, answer }]) =>
            `<h3>${html(flavour)} ${html(call)}</h3><pre>${html(
              typeof request === "string" ? request : JSON.stringify(request, null, 2),
            )}</pre><p>Answer:</p><pre>${html(typeof answer === "string" ? answer : JSON.stringify(answer, null, 2))}</pre>`,
        )
        .join(""),
    )
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Posting spec: ${html(
    spec.vertical.name,
  )} for ${html(spec.source.name)}</title><style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto}</style></head><body>
<h1>How to post ${html(spec.vertical.name)} leads</h1>
<p>Source <b>${html(spec.source.name)}</b> (${html(spec.source.id)}), status ${html(spec.source.status)}.
Ping with the fields required on the ping (never personal data), then post the whole lead with the ping's id; or send
the whole lead at once as a direct post. ${
    spec.vertical.consent_required
      ? "A post must carry consent proof: a TrustedForm certificate URL or a Jornaya LeadiD."
      : ""
  }</p>
<p>${html(spec.test_mode)}</p>
<h2>Fields</h2><table><tr><th>field</th><th>type</th><th>ping</th><th>post</th><th>also named</th></tr>${rows}</table>
<h2>Consent evidence (post and direct post)</h2><table><tr><th>key</th><th>also named</th></tr>${consent}</table>
<h2>The consumer's visit (ping, post and direct post: <code>context</code>)</h2><table><tr><th>key</th><th>also named</th></tr>${context}</table>
<h2>Endpoints</h2>${endpoints}
<h2>Examples</h2>${examples}
</body></html>`;
}
