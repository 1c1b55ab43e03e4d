// What the consent clients share: the exchange's one HTTP client (a timer per request cleared on completion, a cap on
// the answer's size), the stamping of a check's latency, and tolerant readers for the providers' answers.
import { BuyerHttpClient, BuyerTransportError } from "../../buyers/buyer-http-client.ts";
import type { ConsentCheck, ConsentProvider } from "./consent-verifier.ts";

export type CheckVerdict = Omit<ConsentCheck, "provider" | "latencyMs">;

/** Starts a check's clock; the returned function stamps the verdict with its provider and latency. */
export function startCheck(provider: ConsentProvider): (verdict: CheckVerdict) => ConsentCheck {
  const started = performance.now();
  return (verdict) => ({ provider, ...verdict, latencyMs: performance.now() - started });
}

/** A pooled client for one provider. */
export function createConsentHttp(maxResponseBytes = 64 * 1024): BuyerHttpClient {
  return new BuyerHttpClient({ maxResponseBytes });
}

/**
 * Sends one request (a POST with a body, or a GET with a query) within timeoutMs and answers the HTTP answer, or the
 * verdict when there is none (timeout, unreachable, answer too large): a provider that cannot answer makes consent
 * unverifiable, never an exception.
 */
export async function askProvider(
  http: BuyerHttpClient,
  request:
    | {
        method?: "POST";
        url: string;
        contentType: string;
        headers: Record<string, string>;
        body: string;
        timeoutMs: number;
      }
    | { method: "GET"; url: string; query: string; headers: Record<string, string>; timeoutMs: number },
): Promise<{ status: number; body: string } | CheckVerdict> {
  try {
    return await http.send(request);
  } catch (error) {
    if (!(error instanceof BuyerTransportError)) throw error;
    const detail =
      error.failure === "timeout"
        ? `no answer within ${request.timeoutMs} ms`
        : error.failure === "too_large"
          ? "the answer exceeds the size cap"
          : `unreachable (${error.message})`;
    return { outcome: "error", detail };
  }
}

/** JSON.parse that answers undefined instead of throwing: a provider's garbage is an outcome, not an exception. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function field(value: unknown, key: string): unknown {
  return value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
}

/** Scheme, host and path only: a form page's query string often carries the consumer's own details. */
export function maskPageUrl(pageUrl: unknown): string | undefined {
  if (typeof pageUrl !== "string") return undefined;
  try {
    const url = new URL(pageUrl);
    return url.origin + url.pathname;
  } catch {
    return undefined;
  }
}

export function normaliseEmail(email: string | undefined): string | undefined {
  const trimmed = email?.trim().toLowerCase();
  return trimmed ? trimmed : undefined;
}

/** Ten digits: strips formatting and a leading US country code. */
export function normalisePhone(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  const digits = phone.replace(/\D/g, "");
  const national = digits.length === 11 && digits.startsWith("1") ? digits.slice(1) : digits;
  return national.length === 10 ? national : undefined;
}
