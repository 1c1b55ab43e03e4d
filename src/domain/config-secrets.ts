// The secrets a campaign's configuration holds, masked whenever the configuration is read back (admin API, console,
// export), so a screen, a log of API traffic or a shared export never shows them; and put back when a write sends the
// mask unchanged, so a form that did not touch a secret keeps it.
//
// Secret-bearing fields (src/domain/config-schema.ts):
//  - delivery (webhook): `secret`, the HMAC signing key;
//  - integration (templated), on ping and post: `auth.password` (basic), `auth.token` (bearer), `auth.value`
//    (api_key), and the `headers`, `query` and top-level `body` entries whose name says credential (Authorization,
//    X-Api-Key, token, secret, password, ...) unless the value is only a placeholder such as `{{captured.token}}`;
//  - integration (preset): the `params` whose name says credential (boberdoo `key`, LeadsPedia `campaign_key`,
//    Lead Prosper `key`, PX `api_token`).
// A source's postback URLs: the value of each query parameter whose name says credential (`token`, `api_key`, ...)
// unless it is one of the postback's macros (`{lead_id}`): trackers authenticate postbacks that way.
// Elsewhere: source and buyer API keys are stored as sha256 only; the SMTP password and consent providers' API keys
// are read from the configuration file or the environment at start and never stored or exported.
import type { Campaign, Source } from "./config-schema.ts";

/** Every mask starts with this; a secret itself never does (refused on write). */
export const MASK_PREFIX = "••••";
/** Masks are this long, the shortest webhook secret, so a mask sent back passes the schema as the secret did. */
const MASK_LENGTH = 16;
/** Secrets at least this long show their last four characters (enough to tell two apart, too few to guess from). */
const SHOW_TAIL_FROM = 16;

const CREDENTIAL_NAME =
  /authorization|api[-_]?key|apikey|token|secret|passw(or)?d|signature|credential|cookie|(^|[-_])key$/i;
const ONLY_A_PLACEHOLDER = /^\s*\{\{[^{}]+\}\}\s*$/;
const AUTH_SECRET_FIELD: Record<string, string> = { basic: "password", bearer: "token", api_key: "value" };

export function maskSecret(secret: string): string {
  const tail = secret.length >= SHOW_TAIL_FROM ? secret.slice(-4) : "";
  return "•".repeat(MASK_LENGTH - tail.length) + tail;
}

export function isMasked(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(MASK_PREFIX);
}

/** Whether a header, query, body or preset parameter of this name carries a credential (Authorization, X-Api-Key...). */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/** Where a secret sits in a campaign: the path of keys from the campaign to it. */
export type SecretPath = readonly string[];

/** The paths of the secrets in a campaign (or in a body that claims to be one: anything unexpected is skipped). */
export function campaignSecretPaths(campaign: unknown): SecretPath[] {
  const paths: SecretPath[] = [];
  if (!isRecord(campaign)) return paths;
  const { delivery, integration } = campaign;
  if (isRecord(delivery) && delivery.type === "webhook" && typeof delivery.secret === "string") {
    paths.push(["delivery", "secret"]);
  }
  if (!isRecord(integration)) return paths;
  if (integration.type === "preset" && isRecord(integration.params)) {
    for (const [name, value] of Object.entries(integration.params)) {
      if (typeof value === "string" && isCredentialName(name)) paths.push(["integration", "params", name]);
    }
  }
  if (integration.type === "templated") {
    for (const side of ["ping", "post"]) {
      const request = integration[side];
      if (!isRecord(request)) continue;
      const { auth } = request;
      const authField =
        isRecord(auth) && typeof auth.type === "string" ? AUTH_SECRET_FIELD[auth.type] : undefined;
      if (authField && isRecord(auth) && typeof auth[authField] === "string") {
        paths.push(["integration", side, "auth", authField]);
      }
      for (const part of ["headers", "query", "body"]) {
        const entries = request[part];
        if (!isRecord(entries)) continue;
        for (const [name, value] of Object.entries(entries)) {
          if (typeof value === "string" && isCredentialName(name) && !ONLY_A_PLACEHOLDER.test(value)) {
            paths.push(["integration", side, part, name]);
          }
        }
      }
    }
  }
  return paths;
}

/** The secrets of a campaign, in clear: to hide them wherever they appear (a request shown to the operator). */
export function campaignSecretValues(campaign: Campaign): string[] {
  return campaignSecretPaths(campaign).map((path) => getAt(campaign, path) as string);
}

/** The text with every secret (as written, or URL-encoded as in a query or form body) replaced by its mask. */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  let hidden = text;
  for (const secret of secrets) {
    // Four characters or fewer would hide common words too; such a secret is not worth the name anyway.
    if (secret.length <= 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      hidden = hidden.replaceAll(form, maskSecret(secret));
    }
  }
  return hidden;
}

/** A copy of the campaign with every secret masked. */
export function maskCampaignSecrets(campaign: Campaign): Campaign {
  const paths = campaignSecretPaths(campaign);
  if (paths.length === 0) return campaign;
  const copy = structuredClone(campaign);
  for (const path of paths) setAt(copy, path, maskSecret(getAt(copy, path) as string));
  return copy;
}

/** A secret sent as a mask that does not stand for the secret stored at its place. */
export class MaskedSecretProblem extends Error {
  readonly field: string;
  constructor(field: string) {
    super(
      `${field} is a masked secret (${MASK_PREFIX}…) but no secret with that mask is stored there: send the secret itself`,
    );
    this.name = "MaskedSecretProblem";
    this.field = field;
  }
}

/**
 * Puts the stored secrets back where a written campaign sends their masks unchanged (in place: the body is about to
 * be validated). A mask with no stored secret behind it (a new campaign, a moved field, an edited mask) is refused.
 */
export function restoreMaskedSecrets(written: unknown, stored: Campaign | undefined): void {
  const storedPaths = stored ? campaignSecretPaths(stored) : [];
  for (const path of maskedPaths(written)) {
    const mask = getAt(written, path) as string;
    const original = storedPaths.some((candidate) => samePath(candidate, path))
      ? (getAt(stored, path) as string)
      : undefined;
    if (original === undefined || maskSecret(original) !== mask)
      throw new MaskedSecretProblem(path.join("."));
    setAt(written, path, original);
  }
}

/** A query value that is only one of the postback's macros (`{lead_id}`) or a template placeholder is no secret. */
const ONLY_A_MACRO = /^\{\{?[a-z_]+\}\}?$/i;

interface UrlCredential {
  /** Offsets of the raw value in the URL, [start, end). */
  start: number;
  end: number;
  name: string;
  /** Decoded. */
  value: string;
  /** As written in the URL. */
  raw: string;
}

/**
 * Each credential-named query parameter of `url` as [start, end) offsets of its raw value, its name, and its decoded
 * value: the URL is never rebuilt, so everything else stays byte for byte as written.
 */
function urlCredentials(url: string): UrlCredential[] {
  const query = url.indexOf("?");
  if (query < 0) return [];
  const hash = url.indexOf("#", query);
  const end = hash < 0 ? url.length : hash;
  const found: UrlCredential[] = [];
  let at = query + 1;
  while (at <= end) {
    const next = url.indexOf("&", at);
    const pairEnd = next < 0 || next > end ? end : next;
    const equals = url.indexOf("=", at);
    if (equals > at && equals < pairEnd) {
      const name = decodeOrRaw(url.slice(at, equals));
      const raw = url.slice(equals + 1, pairEnd);
      const value = decodeOrRaw(raw.replaceAll("+", " "));
      if (isCredentialName(name) && value !== "" && !ONLY_A_MACRO.test(value))
        found.push({ start: equals + 1, end: pairEnd, name, value, raw });
    }
    at = pairEnd + 1;
  }
  return found;
}

function decodeOrRaw(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The URL with each credential-named query value masked (see the header). */
export function maskUrlSecrets(url: string): string {
  let masked = url;
  // From the last to the first, so earlier offsets stay valid.
  for (const { start, end, value } of urlCredentials(url).reverse()) {
    if (!isMasked(value)) masked = masked.slice(0, start) + maskSecret(value) + masked.slice(end);
  }
  return masked;
}

/** A source's postbacks as a list (the configuration takes one or several). */
function postbacksOf(source: unknown): unknown[] {
  if (!isRecord(source) || source.postback === undefined) return [];
  return Array.isArray(source.postback) ? source.postback : [source.postback];
}

/** A copy of the source with its postback URLs' credentials masked. */
export function maskSourceSecrets(source: Source): Source {
  const postbacks = postbacksOf(source);
  if (!postbacks.some((postback) => isRecord(postback) && urlCredentials(String(postback.url)).length > 0))
    return source;
  const masked = postbacks.map((postback) =>
    isRecord(postback) && typeof postback.url === "string"
      ? { ...postback, url: maskUrlSecrets(postback.url) }
      : postback,
  );
  return { ...source, postback: (Array.isArray(source.postback) ? masked : masked[0]) as Source["postback"] };
}

/**
 * Puts the stored credentials back where a written source's postback URLs send their masks unchanged (in place): a
 * masked value stands for the stored postback's at the same position with the same parameter name, or is refused.
 */
export function restoreMaskedSourceSecrets(written: unknown, stored: Source | undefined): void {
  const storedPostbacks = postbacksOf(stored);
  const single = isRecord(written) && !Array.isArray(written.postback);
  postbacksOf(written).forEach((postback, index) => {
    if (!isRecord(postback) || typeof postback.url !== "string") return;
    const field = single ? "postback.url" : `postback.${index}.url`;
    const candidate = storedPostbacks[index];
    const storedUrl = isRecord(candidate) && typeof candidate.url === "string" ? candidate.url : "";
    const storedValues = new Map(
      urlCredentials(storedUrl).map((credential) => [credential.name, credential]),
    );
    let url = postback.url;
    for (const { start, end, name, value } of urlCredentials(postback.url).reverse()) {
      if (!isMasked(value)) continue;
      const original = storedValues.get(name);
      if (original === undefined || maskSecret(original.value) !== value)
        throw new MaskedSecretProblem(field);
      url = url.slice(0, start) + original.raw + url.slice(end);
    }
    postback.url = url;
  });
}

/** Where a URL holds a masked credential (a mask is never a value). */
export function hasMaskedUrlSecret(url: string): boolean {
  return urlCredentials(url).some(({ value }) => isMasked(value));
}

/** Where a written campaign holds a mask, whether or not the field is a known secret (a mask is never a value). */
export function maskedPaths(value: unknown, path: string[] = []): SecretPath[] {
  if (isMasked(value)) return [path];
  if (Array.isArray(value))
    return value.flatMap((item, index) => maskedPaths(item, [...path, String(index)]));
  if (isRecord(value))
    return Object.entries(value).flatMap(([key, item]) => maskedPaths(item, [...path, key]));
  return [];
}

function samePath(a: SecretPath, b: SecretPath): boolean {
  return a.length === b.length && a.every((key, index) => key === b[index]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function getAt(root: unknown, path: SecretPath): unknown {
  let node = root;
  for (const key of path)
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

function setAt(root: unknown, path: SecretPath, value: string): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string, unknown>;
  parent[path.at(-1)!] = value;
}
