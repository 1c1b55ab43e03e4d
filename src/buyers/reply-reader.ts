// Reading a buyer's reply as configured, not coded (as LeadConduit's custom integration and LeadExec do): the reply is
// parsed as JSON, XML or text, and values are found by path (JSON and XML) or by regex (text). Paths and regexes are
// compiled once per configuration snapshot. Pure.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { TemplateProblem } from "./template.ts";

export type ReplyFormat = "json" | "xml" | "text";

/** A parsed reply: the decoded document (an object tree; the raw string for text). */
export type ParsedReply = { ok: true; document: unknown } | { ok: false; detail: string };

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  // Values stay text: "00501" is a ZIP, not 501; prices are read as numbers where asked.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

export function parseReply(format: ReplyFormat, body: string): ParsedReply {
  if (format === "text") return { ok: true, document: body };
  if (format === "json") {
    try {
      return { ok: true, document: JSON.parse(body) as unknown };
    } catch {
      return { ok: false, detail: "not valid JSON" };
    }
  }
  // No document type declarations: entity expansion is a classic way to make a small reply cost a lot of memory.
  if (/<!(DOCTYPE|ENTITY)/i.test(body)) return { ok: false, detail: "XML with a DOCTYPE is refused" };
  if (body.trim() === "" || XMLValidator.validate(body) !== true)
    return { ok: false, detail: "not valid XML" };
  try {
    return { ok: true, document: xmlParser.parse(body) as unknown };
  } catch {
    return { ok: false, detail: "not valid XML" };
  }
}

/** Finds one value in a parsed reply; undefined when it is not there. */
export type ValueReader = (document: unknown) => unknown;

/** Finds every value a path reaches (several where it has a `[*]`); empty when there is none. */
export type ValuesReader = (document: unknown) => unknown[];

/**
 * A path into a JSON or XML reply: segments split by `.` or `/` (a leading `/` is allowed, XPath-style), `name[2]`
 * for the third item of a list, `@id` for an XML attribute. A list met without an index yields its first item, so
 * `response/bids/bid/bid_id` reads the first bid's id whether the buyer sent one bid or several; `errors[*].error`
 * reaches every item (a condition then holds when any of them matches). For a text reply the path is a regex: its
 * first group, else the whole match.
 */
export function compileReader(format: ReplyFormat, path: string, at: string): ValueReader {
  const all = compileReaderAll(format, path, at);
  return (document) => all(document)[0];
}

const ANY_ITEM = Symbol("any item");

export function compileReaderAll(format: ReplyFormat, path: string, at: string): ValuesReader {
  if (format === "text") {
    const pattern = compileRegex(path, at);
    return (document) => {
      if (typeof document !== "string") return [];
      const match = pattern.exec(document);
      return match ? [match[1] ?? match[0]] : [];
    };
  }
  const steps: (string | number | typeof ANY_ITEM)[] = [];
  for (const segment of path.replace(/^\/+/, "").split(/[./]/)) {
    const indexed = /^([^[\]]*)((?:\[(?:\d+|\*)\])*)$/.exec(segment);
    if (!indexed || (indexed[1] === "" && indexed[2] === ""))
      throw new TemplateProblem(at, `is not a valid path: ${path}`);
    if (indexed[1]) steps.push(indexed[1]);
    for (const index of indexed[2]!.matchAll(/\[(\d+|\*)\]/g))
      steps.push(index[1] === "*" ? ANY_ITEM : Number(index[1]));
  }
  return (document) => {
    let current: unknown[] = [document];
    for (const step of steps) {
      const next: unknown[] = [];
      for (const node of current) {
        if (node === null || typeof node !== "object") continue;
        if (step === ANY_ITEM) {
          // A single XML element is not a list: it is its only item.
          next.push(...(Array.isArray(node) ? node : [node]));
          continue;
        }
        if (typeof step === "number") {
          const item = Array.isArray(node) ? node[step] : step === 0 ? node : undefined;
          if (item !== undefined) next.push(item);
          continue;
        }
        const holder = Array.isArray(node) ? node[0] : node;
        if (holder !== null && typeof holder === "object" && Object.hasOwn(holder, step))
          next.push((holder as Record<string, unknown>)[step]);
      }
      current = next;
    }
    // An XML element with attributes holds its text under "#text".
    return current
      .map((value) =>
        value !== null && typeof value === "object" && !Array.isArray(value) && "#text" in value
          ? (value as Record<string, unknown>)["#text"]
          : value,
      )
      .filter((value) => value !== undefined);
  };
}

/** A buyer-configured regex, refused when saved if it does not compile. */
export function compileRegex(source: string, at: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new TemplateProblem(at, `is not a valid regular expression: ${(error as Error).message}`);
  }
}

/** The decision rule: the value at a path equals one of the given values, or matches a regex. */
export function compileCondition(
  format: ReplyFormat,
  condition: { path?: string; equals?: (string | number | boolean)[]; matches?: string },
  at: string,
): (document: unknown) => boolean {
  if (condition.path === undefined && format !== "text")
    throw new TemplateProblem(`${at}.path`, "is required for a JSON or XML reply");
  if ((condition.equals === undefined) === (condition.matches === undefined))
    throw new TemplateProblem(at, "needs exactly one of equals or matches");
  const read =
    condition.path === undefined
      ? (document: unknown) => [document]
      : compileReaderAll(format, condition.path, `${at}.path`);
  const pattern =
    condition.matches === undefined ? undefined : compileRegex(condition.matches, `${at}.matches`);
  const wanted = new Set(condition.equals?.map(String));
  // Any value the path reaches may match (several only where the path has a `[*]`).
  return (document) =>
    read(document).some((value) => {
      if (value === undefined || value === null || typeof value === "object") return false;
      return pattern ? pattern.test(String(value)) : wanted.has(String(value));
    });
}

/** Reads a price in decimal dollars: a number, or text such as "12.50" or "$1,250.00". */
export function readDollars(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().replace(/^\$/, "").replaceAll(",", "");
  if (!/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}
