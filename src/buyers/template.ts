// Request templates of the templated buyer adapter: text with `{{...}}` placeholders, and bodies (objects whose string
// leaves are templates) rendered to JSON, form-encoded or XML. Compiled once per configuration snapshot; rendering is
// a walk over prepared parts, with no parsing on the ping path. Pure.

import { formatValue, type ValueFormat } from "../domain/value-format.ts";
import type { LeadValues } from "../domain/vertical.ts";

/** Which placeholders a side may use: a ping sees only the non-PII lead and the request's own facts. */
export type TemplateSide = "ping" | "post";

/** What a template is rendered over. */
export interface TemplateScope {
  lead: LeadValues;
  request_id: string;
  vertical: string;
  /** Our source of the lead (a buyer's sub-id for our traffic). */
  source_id?: string;
  /** Whether this is a test lead (ping and post). */
  test?: boolean;
  /** Ping only. */
  tmax_ms?: number;
  /** Ping only: the lead's quality score (0-100), where its vertical validates leads. */
  quality_score?: number;
  /** Post only: the bid in decimal dollars and in cents, the buyer's bid id, captured values and consent. */
  price?: number;
  price_cents?: number;
  bid_id?: string;
  captured?: Record<string, string>;
  consent?: Record<string, unknown>;
  /** The lead's context (docs/api.md "Lead context"): where it came from and the consumer's visit. */
  context?: LeadContextValues;
}

/** The lead context a template may name as `{{context.<name>}}`. */
export interface LeadContextValues {
  source_id?: string;
  sub_id?: string;
  form_submitted_at?: string;
  ip_address?: string;
  user_agent?: string;
  landing_page_url?: string;
  /** TrustedForm's ping URL or a masked certificate: proof a certificate exists, for a ping (docs/api.md). */
  trustedform_ping_url?: string;
}

/**
 * Context fields and whether each is personal data. A PII-like one reaches a ping only where the ping template names it
 * (never by default, never through a spread or the native protocol), and the trace says it went out.
 */
export const CONTEXT_FIELDS: ReadonlyMap<keyof LeadContextValues, { pii: boolean }> = new Map([
  ["source_id", { pii: false }],
  ["sub_id", { pii: false }],
  ["form_submitted_at", { pii: false }],
  ["ip_address", { pii: true }],
  ["user_agent", { pii: true }],
  ["landing_page_url", { pii: true }],
  // It opens no session replay and names no consumer, yet it ties a ping to one consumer's visit: named explicitly.
  ["trustedform_ping_url", { pii: true }],
]);

/** Why a template cannot be used; `path` is relative to the template's place in the configuration. */
export class TemplateProblem extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = "TemplateProblem";
    this.path = path;
  }
}

/** What a template compiler must know about the campaign: which lead fields exist, which are personal data. */
export interface TemplateContext {
  side: TemplateSide;
  /** Every field of the campaign's vertical, with whether it is PII. */
  fields: ReadonlyMap<string, { pii: boolean }>;
  /** Names the ping reply captures (post templates may use only these). */
  captured: ReadonlySet<string>;
  /** Per placeholder expression, the buyer's wording for each value (null: leave it out). */
  valueMap: Readonly<Record<string, Readonly<Record<string, string | null>>>>;
  /** Per lead field, the buyer's name for it in a spread (`"*": "{{lead}}"`); null leaves the field out. */
  fieldNames?: Readonly<Record<string, string | null>>;
  /** Per placeholder expression, the text used when the value is missing. */
  defaults?: Readonly<Record<string, string>>;
  /** Per placeholder expression, how a value without a value-map entry is written. */
  formats?: Readonly<Record<string, ValueFormat>>;
  /** Told of each PII-like context field a ping template names (the trace lists what went out). */
  usesContext?: (name: string) => void;
}

interface Placeholder {
  expression: string;
  read: (scope: TemplateScope) => unknown;
  map?: Readonly<Record<string, string | null>>;
  format?: ValueFormat;
}

/** A compiled text template. */
export interface TextTemplate {
  /** The text, placeholders replaced (a missing value is empty). */
  text(scope: TemplateScope): string;
  /** A template that is exactly one placeholder yields the value itself (typed; undefined when missing). */
  value(scope: TemplateScope): unknown;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const SCALARS = new Set([
  "request_id",
  "vertical",
  "source_id",
  "test",
  "tmax_ms",
  "quality_score",
  "price",
  "price_cents",
  "bid_id",
]);
const PING_ONLY = new Set(["tmax_ms", "quality_score"]);
const POST_ONLY = new Set(["price", "price_cents", "bid_id"]);

export function compileText(template: string, context: TemplateContext, path: string): TextTemplate {
  const parts: (string | Placeholder)[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(template.slice(last, match.index));
    parts.push(compilePlaceholder(match[1]!, context, path));
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  const literal = parts.filter((part) => typeof part === "string").join("");
  if (literal.includes("{{") || literal.includes("}}"))
    throw new TemplateProblem(path, `has an unclosed or nested placeholder: ${template}`);
  const only = parts.length === 1 && typeof parts[0] !== "string" ? parts[0] : undefined;
  const text = (scope: TemplateScope): string => {
    let out = "";
    for (const part of parts) out += typeof part === "string" ? part : asText(resolve(part, scope));
    return out;
  };
  return { text, value: only ? (scope) => resolve(only, scope) : text };
}

function compilePlaceholder(expression: string, context: TemplateContext, path: string): Placeholder {
  const [head, name, ...rest] = expression.split(".");
  const map = context.valueMap[expression];
  const fallback = context.defaults?.[expression];
  const placeholder = (value: (scope: TemplateScope) => unknown): Placeholder => {
    const read =
      fallback === undefined
        ? value
        : (scope: TemplateScope) => {
            const found = value(scope);
            return found === undefined || found === null || found === "" ? fallback : found;
          };
    const format = context.formats?.[expression];
    return { expression, read, ...(map ? { map } : {}), ...(format ? { format } : {}) };
  };
  if (rest.length === 0 && name === undefined && head && SCALARS.has(head)) {
    if (context.side === "ping" && POST_ONLY.has(head))
      throw new TemplateProblem(path, `{{${head}}} is only known on the post`);
    if (context.side === "post" && PING_ONLY.has(head))
      throw new TemplateProblem(path, `{{${head}}} is only known on the ping`);
    const key = head as keyof TemplateScope;
    return placeholder((scope) => scope[key]);
  }
  if (expression === "lead")
    throw new TemplateProblem(path, 'every lead field is copied with the key "*" and the value "{{lead}}"');
  if (rest.length > 0 || name === undefined || name === "")
    throw new TemplateProblem(path, `unknown placeholder {{${expression}}}`);
  switch (head) {
    case "lead": {
      const field = context.fields.get(name);
      if (!field)
        throw new TemplateProblem(path, `{{${expression}}}: ${name} is not a field of the vertical`);
      if (field.pii && context.side === "ping")
        throw new TemplateProblem(
          path,
          `{{${expression}}}: ${name} is personal data (PII) and must never be sent on a ping`,
        );
      return placeholder((scope) => scope.lead[name]);
    }
    case "captured":
      if (context.side === "ping") throw new TemplateProblem(path, "a ping cannot use captured values");
      if (!context.captured.has(name))
        throw new TemplateProblem(path, `{{${expression}}}: the ping reply captures no ${name}`);
      return placeholder((scope) => scope.captured?.[name]);
    case "context": {
      const field = CONTEXT_FIELDS.get(name as keyof LeadContextValues);
      if (!field) throw new TemplateProblem(path, `{{${expression}}}: ${name} is not a lead context field`);
      if (field.pii && context.side === "ping") context.usesContext?.(name);
      return placeholder((scope) => scope.context?.[name as keyof LeadContextValues]);
    }
    case "consent":
      if (context.side === "ping") throw new TemplateProblem(path, "a ping cannot carry consent");
      return placeholder((scope) => scope.consent?.[name]);
    default:
      throw new TemplateProblem(path, `unknown placeholder {{${expression}}}`);
  }
}

function resolve(placeholder: Placeholder, scope: TemplateScope): unknown {
  return written(placeholder.read(scope), placeholder.map, placeholder.format);
}

/** A value as the buyer wants it: its value-map wording when it has one (null: left out), else formatted. */
function written(
  value: unknown,
  map: Readonly<Record<string, string | null>> | undefined,
  format: ValueFormat | undefined,
): unknown {
  if (value === undefined || value === null) return undefined;
  if (map && Object.hasOwn(map, String(value))) return map[String(value)] ?? undefined;
  return format ? formatValue(format, value) : value;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A body value after rendering: what JSON can hold, undefined members left out. */
export type BodyValue = string | number | boolean | null | BodyValue[] | { [key: string]: BodyValue };

/** A compiled body. */
export type BodyTemplate = (scope: TemplateScope) => Record<string, BodyValue>;

/** The key that, with the value "{{lead}}", copies every lead field the side may see into its object. */
export const SPREAD_KEY = "*";

export function compileBody(
  body: Record<string, unknown>,
  context: TemplateContext,
  path: string,
  encoding: "json" | "form" | "xml",
): BodyTemplate {
  const render = compileNode(body, context, path, encoding, 0);
  return (scope) => render(scope) as Record<string, BodyValue>;
}

type NodeRenderer = (scope: TemplateScope) => BodyValue | undefined;

function compileNode(
  node: unknown,
  context: TemplateContext,
  path: string,
  encoding: "json" | "form" | "xml",
  depth: number,
): NodeRenderer {
  if (typeof node === "string") {
    const template = compileText(node, context, path);
    return (scope) => template.value(scope) as BodyValue | undefined;
  }
  if (node === null || typeof node === "number" || typeof node === "boolean") return () => node;
  if (depth > 0 && encoding === "form")
    throw new TemplateProblem(
      path,
      "a form or query body is flat: nested objects and lists cannot be encoded",
    );
  if (depth > 8) throw new TemplateProblem(path, "is nested too deeply");
  if (Array.isArray(node)) {
    const items = node.map((item, index) =>
      compileNode(item, context, `${path}[${index}]`, encoding, depth + 1),
    );
    return (scope) => items.map((item) => item(scope) ?? null);
  }
  if (typeof node !== "object")
    throw new TemplateProblem(path, "must be text, a number, a boolean or an object");
  // In the template's order, a spread where the "*" key stands.
  const members: ([string, NodeRenderer] | ((scope: TemplateScope) => Record<string, unknown>))[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === SPREAD_KEY) {
      if (typeof value !== "string" || value.replaceAll(" ", "") !== "{{lead}}")
        throw new TemplateProblem(`${path}.${key}`, 'the key "*" takes only "{{lead}}" (every lead field)');
      members.push(compileSpread(context));
      continue;
    }
    if (encoding === "xml" && !XML_NAME.test(key))
      throw new TemplateProblem(`${path}.${key}`, "is not a valid XML element name");
    members.push([key, compileNode(value, context, `${path}.${key}`, encoding, depth + 1)]);
  }
  return (scope) => {
    const out: Record<string, BodyValue> = {};
    for (const member of members) {
      if (typeof member === "function") {
        Object.assign(out, member(scope));
        continue;
      }
      const value = member[1](scope);
      if (value !== undefined) out[member[0]] = value;
    }
    return out;
  };
}

/**
 * Every lead field in the scope, each through its value map. A ping's scope holds only the ping payload (non-PII
 * fields, built by the engine from an allowlist), so a spread can never carry personal data on a ping.
 */
function compileSpread(context: TemplateContext): (scope: TemplateScope) => Record<string, unknown> {
  const renames = context.fieldNames ?? {};
  return (scope) => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(scope.lead)) {
      const key = Object.hasOwn(renames, name) ? renames[name] : name;
      if (key === null || key === undefined) continue;
      const mapped = written(value, context.valueMap[`lead.${name}`], context.formats?.[`lead.${name}`]);
      if (mapped !== undefined) out[key] = mapped;
    }
    return out;
  };
}

/** Form-encoding of a flat body (lists and objects are refused when compiled). */
export function toForm(body: Record<string, BodyValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) params.append(key, asText(value));
  return params.toString();
}

/** XML of a body under one root element: objects nest, lists repeat their element, text is escaped. */
export function toXml(root: string, body: Record<string, BodyValue>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${element(root, body)}`;
}

function element(name: string, value: BodyValue): string {
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join("");
  if (value !== null && typeof value === "object") {
    let inner = "";
    for (const [key, member] of Object.entries(value)) inner += element(key, member);
    return `<${name}>${inner}</${name}>`;
  }
  if (value === null || value === "") return `<${name}/>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

const XML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** XML element names: body keys must be usable as such. */
export const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
