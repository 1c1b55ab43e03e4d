// The templated buyer adapter: a campaign's `integration` (URL, method, headers, auth, a JSON, form or XML body built
// from a template, and where the decision, price, reason and reference sit in the reply) compiled into an adapter.
// Everything that can be wrong with a template is found here, when the configuration is saved, and named by its path.
// Pure: compiled once per configuration snapshot.
import type { TemplatedRequest } from "../domain/config-schema.ts";
import { isHttpUrl } from "../domain/fields.ts";
import { dollarsToCents } from "../domain/money.ts";
import type {
  AdapterRequest,
  BuyerAdapter,
  PingReply,
  PingRequestInput,
  PostReply,
  PostRequestInput,
} from "./buyer-adapter.ts";
import { cleanText } from "./buyer-adapter.ts";
import {
  compileCondition,
  compileReader,
  compileReaderAll,
  type ParsedReply,
  parseReply,
  type ReplyFormat,
  readDollars,
  type ValueReader,
  type ValuesReader,
} from "./reply-reader.ts";
import {
  type BodyTemplate,
  type BodyValue,
  CONTEXT_FIELDS,
  compileBody,
  compileText,
  type LeadContextValues,
  type TemplateContext,
  TemplateProblem,
  type TemplateScope,
  type TextTemplate,
  toForm,
  toXml,
  XML_NAME,
} from "./template.ts";

/** The largest bid a reply may carry, in dollars (as for the native protocol). */
const MAX_PRICE_DOLLARS = 100_000;

export interface TemplatedEndpoints {
  /** The campaign's ping URL; absent when the campaign is never pinged. */
  pingUrl?: string;
  postUrl: string;
  vertical: string;
  /** The vertical's fields and which of them are personal data. */
  fields: ReadonlyMap<string, { pii: boolean }>;
}

export interface TemplatedIntegration {
  ping?: TemplatedRequest;
  post: TemplatedRequest;
}

/**
 * Compiles a templated integration into a campaign's adapter. Throws a TemplateProblem whose path starts at
 * `integration` when anything in it cannot work.
 */
export function compileTemplatedAdapter(
  integration: TemplatedIntegration,
  endpoints: TemplatedEndpoints,
  at = "integration",
): BuyerAdapter {
  const captured = new Set(Object.keys(integration.ping?.response.capture ?? {}));
  if (integration.post.response.capture)
    throw new TemplateProblem(`${at}.post.response.capture`, "only a ping reply's values can be captured");
  const pingContext = new Set<string>();
  const ping = integration.ping
    ? compileSide(integration.ping, "ping", endpoints, captured, `${at}.ping`, (name) =>
        pingContext.add(name),
      )
    : undefined;
  const post = compileSide(integration.post, "post", endpoints, captured, `${at}.post`);
  const pingReply = integration.ping ? compilePingReply(integration.ping, `${at}.ping.response`) : undefined;
  const postReply = compilePostReply(integration.post, `${at}.post.response`);
  return {
    protocol: "templated",
    // In the catalogue's order, so a trace reads the same whatever the template's order.
    pingContext: [...CONTEXT_FIELDS.keys()].filter((name) => pingContext.has(name)),
    buildPing(input: PingRequestInput) {
      // The engine pings only campaigns it can ping; this is a configuration that slipped through.
      if (!ping || endpoints.pingUrl === undefined) throw new Error("integration without a ping");
      return ping(endpoints.pingUrl, {
        lead: input.lead,
        request_id: input.requestId,
        vertical: input.vertical,
        test: input.test,
        tmax_ms: input.tmaxMs,
        ...(input.qualityScore === undefined ? {} : { quality_score: input.qualityScore }),
        ...(input.sourceId === undefined ? {} : { source_id: input.sourceId }),
        context: withSource(input.context, input.sourceId),
      });
    },
    parsePing(status, body) {
      return pingReply ? pingReply(status, body) : { kind: "invalid", detail: "no ping reply configured" };
    },
    buildPost(input: PostRequestInput) {
      return post(endpoints.postUrl, {
        lead: input.lead,
        request_id: input.requestId,
        vertical: endpoints.vertical,
        price: input.priceCents / 100,
        price_cents: input.priceCents,
        ...(input.bidId === undefined ? {} : { bid_id: input.bidId }),
        ...(input.captured ? { captured: input.captured } : {}),
        ...(input.sourceId === undefined ? {} : { source_id: input.sourceId }),
        test: input.test ?? false,
        consent: input.consent,
        context: withSource(input.context, input.sourceId),
      });
    },
    parsePost: postReply,
  };
}

/** The context a template sees: the seller's, with our source id (`{{context.source_id}}` = `{{source_id}}`). */
function withSource(context: LeadContextValues | undefined, sourceId: string | undefined): LeadContextValues {
  return { ...context, ...(sourceId === undefined ? {} : { source_id: sourceId }) };
}

type RequestBuilder = (url: string, scope: TemplateScope) => AdapterRequest;

/** RFC 9110 token characters. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

const CONTENT_TYPES = {
  json: "application/json",
  form: "application/x-www-form-urlencoded",
  xml: "application/xml",
} as const;

function compileSide(
  spec: TemplatedRequest,
  side: "ping" | "post",
  endpoints: TemplatedEndpoints,
  captured: ReadonlySet<string>,
  at: string,
  usesContext?: (name: string) => void,
): RequestBuilder {
  // Maps, formats and defaults are checked without it: only what the request itself names goes out.
  const checking: TemplateContext = {
    side,
    fields: endpoints.fields,
    captured,
    valueMap: spec.value_map ?? {},
    ...(spec.field_map ? { fieldNames: spec.field_map } : {}),
    ...(spec.defaults ? { defaults: spec.defaults } : {}),
    ...(spec.formats ? { formats: spec.formats } : {}),
  };
  const context: TemplateContext = usesContext ? { ...checking, usesContext } : checking;
  for (const expression of Object.keys(spec.formats ?? {})) {
    // As for value maps: a format for a placeholder that does not exist is a typo; one for a PII field may be shared.
    const formatOnly = { ...checking, side: expression.startsWith("lead.") ? ("post" as const) : side };
    compileText(`{{${expression}}}`, formatOnly, `${at}.formats.${expression}`);
  }
  for (const [expression, text] of Object.entries(spec.defaults ?? {})) {
    // Literal text: a default is never itself a template, and a default for a placeholder that does not exist is a typo.
    if (text.includes("{{") || text.includes("}}"))
      throw new TemplateProblem(`${at}.defaults.${expression}`, "must not contain {{ or }}");
    compileText(`{{${expression}}}`, { ...checking, defaults: {} }, `${at}.defaults.${expression}`);
  }
  for (const [name, renamed] of Object.entries(spec.field_map ?? {})) {
    if (!endpoints.fields.has(name))
      throw new TemplateProblem(`${at}.field_map.${name}`, `${name} is not a field of the vertical`);
    if (renamed !== null && spec.format === "xml" && !XML_NAME.test(renamed))
      throw new TemplateProblem(`${at}.field_map.${name}`, "is not a valid XML element name");
  }
  for (const expression of Object.keys(spec.value_map ?? {})) {
    // A map for a placeholder that does not exist is a typo that would silently send the raw value. A map for a PII
    // field is allowed on a ping (a preset shares its maps between ping and post): it sends nothing, and the field
    // itself stays refused wherever a ping template names it.
    const mapOnly = { ...checking, side: expression.startsWith("lead.") ? ("post" as const) : side };
    compileText(`{{${expression}}}`, mapOnly, `${at}.value_map.${expression}`);
  }
  const method = spec.method ?? "POST";
  const encoding = method === "GET" ? "form" : spec.format;
  const body = compileBody(spec.body, context, `${at}.body`, encoding);
  const query = Object.entries(spec.query ?? {}).map(
    ([name, template]) => [name, compileText(template, context, `${at}.query.${name}`)] as const,
  );
  const headers: (readonly [string, TextTemplate])[] = Object.entries(spec.headers ?? {}).map(
    ([name, template]) => {
      const lower = name.toLowerCase();
      if (lower === "content-length" || lower === "host" || lower === "transfer-encoding")
        throw new TemplateProblem(`${at}.headers.${name}`, "is set by the HTTP client");
      return [lower, compileText(template, context, `${at}.headers.${name}`)] as const;
    },
  );
  let bodyKey: readonly [string, TextTemplate] | undefined;
  const { auth } = spec;
  if (auth?.type === "basic") {
    const username = compileText(auth.username, context, `${at}.auth.username`);
    const password = compileText(auth.password, context, `${at}.auth.password`);
    headers.push([
      "authorization",
      {
        text: (scope) =>
          `Basic ${Buffer.from(`${username.text(scope)}:${password.text(scope)}`).toString("base64")}`,
        value: () => undefined,
      },
    ]);
  } else if (auth?.type === "bearer") {
    const token = compileText(auth.token, context, `${at}.auth.token`);
    headers.push([
      "authorization",
      { text: (scope) => `Bearer ${token.text(scope)}`, value: () => undefined },
    ]);
  } else if (auth?.type === "api_key") {
    const value = compileText(auth.value, context, `${at}.auth.value`);
    if (auth.in === "header" && !HEADER_NAME.test(auth.name))
      throw new TemplateProblem(`${at}.auth.name`, "is not a valid HTTP header name");
    if (auth.in === "body" && spec.format === "xml" && !XML_NAME.test(auth.name))
      throw new TemplateProblem(`${at}.auth.name`, "is not a valid XML element name");
    if (auth.in === "header") headers.push([auth.name.toLowerCase(), value]);
    else bodyKey = [auth.name, value];
  }
  const contentType = CONTENT_TYPES[spec.format];
  const root = spec.xml_root ?? "lead";
  const render: BodyTemplate = bodyKey
    ? (scope) => ({ [bodyKey[0]]: bodyKey[1].text(scope), ...body(scope) })
    : body;
  return (url, scope) => {
    const requestHeaders: Record<string, string> = {};
    for (const [name, template] of headers) requestHeaders[name] = template.text(scope);
    const values = render(scope);
    const params = new URLSearchParams();
    for (const [name, template] of query) params.append(name, template.text(scope));
    let queryText = params.toString();
    let bodyText: string | undefined;
    if (method === "GET") {
      const fromBody = toForm(values);
      queryText = [queryText, fromBody].filter((part) => part !== "").join("&");
    } else {
      bodyText = serialise(spec.format, root, values);
      requestHeaders["content-type"] ??= contentType;
    }
    return {
      method,
      url,
      ...(queryText === "" ? {} : { query: queryText }),
      headers: requestHeaders,
      ...(bodyText === undefined ? {} : { body: bodyText }),
    };
  };
}

function serialise(format: "json" | "form" | "xml", root: string, values: Record<string, BodyValue>): string {
  if (format === "json") return JSON.stringify(values);
  if (format === "form") return toForm(values);
  return toXml(root, values);
}

interface ReplyRules {
  format: "json" | "xml" | "text";
  /** The reply reports an error (checked first). */
  errored?: (document: unknown) => boolean;
  /** The reply says the buyer already has this consumer (checked next). */
  duplicated?: (document: unknown) => boolean;
  accepted: (document: unknown) => boolean;
  /** Absent: whatever is not accepted is a reject. */
  rejected?: (document: unknown) => boolean;
  reason: ValuesReader[];
  /** The reason when no reason path finds one. */
  defaultReason?: string;
  reference?: ValueReader;
}

function compileReplyRules(spec: TemplatedRequest, at: string): ReplyRules {
  const { response } = spec;
  const format = response.format ?? "json";
  return {
    format,
    ...(response.error ? { errored: compileCondition(format, response.error, `${at}.error`) } : {}),
    ...(response.duplicate
      ? { duplicated: compileCondition(format, response.duplicate, `${at}.duplicate`) }
      : {}),
    accepted: compileCondition(format, response.accept, `${at}.accept`),
    ...(response.reject ? { rejected: compileCondition(format, response.reject, `${at}.reject`) } : {}),
    reason: (response.reason ?? []).map((path, index) =>
      compileReaderAll(format, path, `${at}.reason[${index}]`),
    ),
    ...(response.default_reason ? { defaultReason: response.default_reason } : {}),
    ...(response.reference
      ? { reference: compileReader(format, response.reference, `${at}.reference`) }
      : {}),
  };
}

type Decision =
  | { kind: "accepted"; document: unknown }
  | { kind: "rejected"; detail?: string }
  | { kind: "duplicate"; detail?: string }
  | { kind: "invalid"; detail: string }
  | { kind: "http_error"; detail: string };

/**
 * The status line first (5xx and redirects are errors, never rejects), then the configured decision. A 4xx whose body
 * says "rejected" is a reject (buyers often answer a duplicate with 400 and a reason); any other 4xx is an error.
 */
function decide(rules: ReplyRules, status: number, body: string): Decision {
  if (status >= 500 || (status >= 300 && status < 400) || status < 200)
    return { kind: "http_error", detail: `HTTP ${status}` };
  const parsed: ParsedReply = parseReply(rules.format, body);
  const clientError = status >= 400;
  if (!parsed.ok)
    return clientError
      ? { kind: "http_error", detail: `HTTP ${status}` }
      : { kind: "invalid", detail: parsed.detail };
  const { document } = parsed;
  if (rules.errored?.(document)) {
    const reason = reasonText(rules, document);
    return { kind: "http_error", detail: reason ?? "the buyer answered an error" };
  }
  if (rules.duplicated?.(document)) {
    const reason = reasonText(rules, document);
    return reason === undefined ? { kind: "duplicate" } : { kind: "duplicate", detail: reason };
  }
  if (rules.accepted(document))
    return clientError ? { kind: "http_error", detail: `HTTP ${status}` } : { kind: "accepted", document };
  if (rules.rejected && !rules.rejected(document)) {
    if (clientError) return { kind: "http_error", detail: `HTTP ${status}` };
    // What the buyer said is kept: it is what the operator needs to fix the integration.
    const said = reasonText(rules, document);
    const detail = "the reply is neither an accept nor a reject";
    return { kind: "invalid", detail: said === undefined ? detail : `${detail}: ${said}` };
  }
  const detail = reasonText(rules, document);
  return detail === undefined ? { kind: "rejected" } : { kind: "rejected", detail };
}

/**
 * The first reason path that finds anything; where a `[*]` path finds several values, they are joined (distinct, in
 * the reply's order). The rules' default reason when none does.
 */
function reasonText(rules: ReplyRules, document: unknown): string | undefined {
  for (const read of rules.reason) {
    const texts = [
      ...new Set(
        read(document)
          .map((value) => cleanText(value)?.trim())
          .filter(Boolean),
      ),
    ];
    if (texts.length > 0) return cleanText(texts.join(", "));
  }
  return rules.defaultReason;
}

/** One bid read from a reply: its price and the id its post names. */
interface ReadBid {
  priceCents: number;
  bidId?: string;
}

type BidRead = ReadBid | { unusable: "declined" | "bad_price" | "no_id" };

/**
 * A reply's list of bids (`response.bids`): every item at its path, each read as a bid or found unusable (its own
 * accept fails, its price is not a positive number of dollars, or the id its post must name is missing).
 */
function compileBidList(
  format: ReplyFormat,
  spec: NonNullable<TemplatedRequest["response"]["bids"]>,
  at: string,
): (document: unknown) => BidRead[] {
  if (format === "text") throw new TemplateProblem(at, "is for a JSON or XML reply");
  const items = compileReaderAll(format, spec.path, `${at}.path`);
  const price = compileReader(format, spec.price, `${at}.price`);
  const id = spec.id === undefined ? undefined : compileReader(format, spec.id, `${at}.id`);
  const accepted = spec.accept ? compileCondition(format, spec.accept, `${at}.accept`) : () => true;
  return (document) =>
    items(document).map((item): BidRead => {
      if (!accepted(item)) return { unusable: "declined" };
      const dollars = readDollars(price(item));
      if (dollars === undefined || dollars < 0 || dollars > MAX_PRICE_DOLLARS)
        return { unusable: "bad_price" };
      const priceCents = dollarsToCents(dollars);
      if (priceCents <= 0) return { unusable: "declined" };
      if (!id) return { priceCents };
      const bidId = cleanText(id(item));
      return bidId === undefined ? { unusable: "no_id" } : { priceCents, bidId };
    });
}

function compilePingReply(spec: TemplatedRequest, at: string): (status: number, body: string) => PingReply {
  const rules = compileReplyRules(spec, at);
  if (spec.response.redirect_url)
    throw new TemplateProblem(`${at}.redirect_url`, "only a post reply sends the consumer on");
  const bidList = spec.response.bids
    ? compileBidList(rules.format, spec.response.bids, `${at}.bids`)
    : undefined;
  if (spec.response.price === undefined && !bidList)
    throw new TemplateProblem(`${at}.price`, "is required on a ping: where the bid is in the reply");
  const price =
    spec.response.price === undefined
      ? undefined
      : compileReader(rules.format, spec.response.price, `${at}.price`);
  const captures = Object.entries(spec.response.capture ?? {}).map(
    ([name, path]) => [name, compileReader(rules.format, path, `${at}.capture.${name}`)] as const,
  );
  /** The one price of a reply without a list of bids. */
  const singleBid = (document: unknown): ReadBid | Exclude<PingReply, { kind: "bid" }> => {
    if (!price) return { kind: "no_bid", detail: "no bid in the reply" };
    const dollars = readDollars(price(document));
    if (dollars === undefined || dollars < 0 || dollars > MAX_PRICE_DOLLARS)
      return { kind: "invalid", detail: "price must be a positive number of dollars" };
    // A buyer that accepts at $0 is declining (as LeadConduit reads a zero price).
    if (dollars === 0) return { kind: "no_bid", detail: "price 0" };
    const priceCents = dollarsToCents(dollars);
    if (priceCents <= 0) return { kind: "invalid", detail: "price rounds to zero cents" };
    const bidId = rules.reference ? cleanText(rules.reference(document)) : undefined;
    return bidId === undefined ? { priceCents } : { priceCents, bidId };
  };
  return (status, body) => {
    if (status === 204) return { kind: "no_bid" };
    const decision = decide(rules, status, body);
    // A buyer that already has this consumer declines the ping.
    if (decision.kind === "rejected" || decision.kind === "duplicate")
      return decision.detail === undefined ? { kind: "no_bid" } : { kind: "no_bid", detail: decision.detail };
    if (decision.kind !== "accepted") return decision;
    const { document } = decision;
    const listed = bidList?.(document) ?? [];
    let best: ReadBid;
    let alternatives: ReadBid[] = [];
    if (listed.length > 0) {
      // Best first; equal prices keep the reply's order (sort is stable).
      const usable = listed
        .filter((bid): bid is ReadBid => !("unusable" in bid))
        .sort((a, b) => b.priceCents - a.priceCents);
      if (usable.length === 0) {
        const faults = new Set(listed.map((bid) => ("unusable" in bid ? bid.unusable : "")));
        if (faults.has("bad_price"))
          return { kind: "invalid", detail: "price must be a positive number of dollars" };
        if (faults.has("no_id")) return { kind: "invalid", detail: "no bid id in the reply's bids" };
        return { kind: "no_bid", detail: `none of the reply's ${listed.length} bids is usable` };
      }
      [best, ...alternatives] = usable as [ReadBid, ...ReadBid[]];
    } else {
      const single = singleBid(document);
      if ("kind" in single) return single;
      best = single;
    }
    const captured: Record<string, string> = {};
    for (const [name, read] of captures) {
      const value = cleanText(read(document));
      // The post needs it: a bid the buyer could not match on the post is worth nothing.
      if (value === undefined) return { kind: "invalid", detail: `no ${name} in the reply` };
      captured[name] = value;
    }
    return {
      kind: "bid",
      priceCents: best.priceCents,
      ...(best.bidId === undefined ? {} : { bidId: best.bidId }),
      ...(captures.length > 0 ? { captured } : {}),
      ...(alternatives.length > 0 ? { alternatives } : {}),
    };
  };
}

function compilePostReply(spec: TemplatedRequest, at: string): (status: number, body: string) => PostReply {
  const rules = compileReplyRules(spec, at);
  if (spec.response.bids) throw new TemplateProblem(`${at}.bids`, "only a ping reply lists bids");
  // Several platforms state the price again on an accepted post: it is recorded with the attempt, never charged (the
  // sale stays at the bid the caps and the buyer's balance were reserved for).
  const price = spec.response.price
    ? compileReader(rules.format, spec.response.price, `${at}.price`)
    : undefined;
  const redirect = spec.response.redirect_url
    ? compileReader(rules.format, spec.response.redirect_url, `${at}.redirect_url`)
    : undefined;
  return (status, body) => {
    const decision = decide(rules, status, body);
    if (decision.kind !== "accepted") return decision;
    const buyerLeadId = rules.reference ? cleanText(rules.reference(decision.document)) : undefined;
    const dollars = price ? readDollars(price(decision.document)) : undefined;
    const priceCents =
      dollars !== undefined && dollars >= 0 && dollars <= MAX_PRICE_DOLLARS
        ? dollarsToCents(dollars)
        : undefined;
    const redirectUrl = redirect ? redirectTarget(redirect(decision.document)) : undefined;
    return {
      kind: "accepted",
      ...(buyerLeadId === undefined ? {} : { buyerLeadId }),
      ...(priceCents === undefined ? {} : { priceCents }),
      ...(redirectUrl === undefined ? {} : { redirectUrl }),
    };
  };
}

/**
 * A buyer's redirect URL, kept only when it is an http(s) URL of sane length: a seller may send the consumer's browser
 * there unread, so a `javascript:` or `data:` URL must never pass.
 */
function redirectTarget(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > 2000 || !isHttpUrl(value)) return undefined;
  return value;
}
