// A local stand-in for the TrustedForm Certificate API v4.0, for tests and the demo. It answers the shapes the
// client expects (see src/compliance/consent/trustedform-client.ts): POST /<40-hex cert id> with basic auth and
// `api-version: 4.0`; 401 on a wrong key, 404 on an unknown certificate, 200 `outcome: "failure"` with "The cert has
// expired" or "No matches found", 200 `outcome: "success"` with match, retain and insights results otherwise, and a
// `verify.result` (`success`, `language_approved`, `one_to_one` for the asked `advertiser_name`) when Verify is asked,
// in the shapes github.com/activeprospect/leadconduit-integration-trustedform @ fed87d2 lib/trustedform.js reads.
// It can be told to answer 500 or to hang, to play a service that is down.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { readBody, sendJson } from "./http-json.ts";
import { closeServer } from "./simulated-buyer.ts";

export interface FakeCertificate {
  /** 40 hex characters; generated when omitted. */
  id?: string;
  /** The consumer's email as the form recorded it. */
  email?: string;
  /** The consumer's phone as the form recorded it (any formatting; compared as digits). */
  phone?: string;
  createdAt?: Date;
  /** Default: 90 days after createdAt. */
  expiresAt?: Date;
  pageUrl?: string;
  ip?: string;
  /** Legal names the certificate shows one-to-one consent for (TrustedForm Verify). */
  oneToOneFor?: string[];
}

export type FakeServiceMode = "ok" | "error500" | "hang";

export interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeTrustedForm {
  url: string;
  apiKey: string;
  /** The certificate URL a form would have produced, on this fake (the client accepts its origin). */
  certUrl(id: string): string;
  /** Registers a certificate and answers its id. */
  register(cert: FakeCertificate): string;
  setMode(mode: FakeServiceMode): void;
  requests(): FakeRequest[];
  stop(): Promise<void>;
}

const CERT_PATH = /^\/([0-9a-f]{40})$/i;

export async function startFakeTrustedForm(options: { apiKey?: string } = {}): Promise<FakeTrustedForm> {
  const apiKey = options.apiKey ?? "fake-trustedform-key";
  const expectedAuth = (authorization: string | undefined): boolean => {
    if (!authorization?.startsWith("Basic ")) return false;
    const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
    return decoded.slice(decoded.indexOf(":") + 1) === apiKey;
  };
  const certificates = new Map<
    string,
    Required<Pick<FakeCertificate, "createdAt" | "expiresAt">> & FakeCertificate
  >();
  const retained = new Set<string>();
  const log: FakeRequest[] = [];
  let mode: FakeServiceMode = "ok";

  const server = createServer(async (req, res) => {
    const text = await readBody(req).catch(() => "");
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    log.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
    if (mode === "hang") return; // never answers; stop() cuts the socket
    if (mode === "error500") return sendJson(res, 500, { outcome: "error", reason: "internal server error" });

    if (req.method !== "POST") return sendJson(res, 405, { outcome: "error", reason: "method not allowed" });
    if (!expectedAuth(req.headers.authorization))
      return sendJson(res, 401, { outcome: "error", reason: "Unauthorized" });
    if (req.headers["api-version"] !== "4.0")
      return sendJson(res, 400, { outcome: "error", reason: "Api-Version 4.0 is required" });
    const id = CERT_PATH.exec(req.url ?? "")?.[1]?.toLowerCase();
    const cert = id ? certificates.get(id) : undefined;
    if (!id || !cert) return sendJson(res, 404, { outcome: "error", reason: "Certificate not found" });
    if (cert.expiresAt.getTime() <= Date.now())
      return sendJson(res, 200, { outcome: "failure", reason: "The cert has expired" });

    const request = (body && typeof body === "object" ? body : {}) as {
      match_lead?: { email?: string; phone?: string };
      retain?: { reference?: string; vendor?: string };
      insights?: { properties?: string[] };
      verify?: { advertiser_name?: string };
    };
    const askedEmail = request.match_lead?.email;
    const askedPhone = request.match_lead?.phone;
    const emailMatch =
      askedEmail === undefined ? null : askedEmail.trim().toLowerCase() === cert.email?.trim().toLowerCase();
    const phoneMatch =
      askedPhone === undefined ? null : nationalDigits(askedPhone) === nationalDigits(cert.phone);
    const matchLead = {
      ...(askedEmail !== undefined && { email: askedEmail }),
      ...(askedPhone !== undefined && { phone: askedPhone }),
      result: {
        success: emailMatch === true || phoneMatch === true,
        email_match: emailMatch,
        phone_match: phoneMatch,
      },
    };
    if (!matchLead.result.success)
      return sendJson(res, 200, { outcome: "failure", reason: "No matches found", match_lead: matchLead });

    const previouslyRetained = retained.has(id);
    retained.add(id);
    const answer: Record<string, unknown> = {
      outcome: "success",
      reason: null,
      match_lead: matchLead,
      retain: {
        reference: request.retain?.reference,
        vendor: request.retain?.vendor,
        result: { expires_at: cert.expiresAt.toISOString(), previously_retained: previouslyRetained },
      },
    };
    if (request.verify) {
      // Verify normalises names: case-insensitive, redundant white space ignored (LeadConduit's description of
      // advertiser_name in leadconduit-integration-trustedform lib/trustedform.js).
      const normal = (name: string) =>
        name
          .toLowerCase()
          .replace(/[^\x20-\x7e]/g, "")
          .replace(/\s+/g, " ")
          .trim();
      const asked = request.verify.advertiser_name;
      answer["verify"] = {
        languages: [{ text: "By clicking Submit I agree to be contacted." }],
        result: {
          success: true,
          language_approved: true,
          form_submitted: true,
          ...(asked === undefined
            ? {}
            : { one_to_one: (cert.oneToOneFor ?? []).some((name) => normal(name) === normal(asked)) }),
        },
      };
    }
    if (request.insights?.properties?.length) {
      const available: Record<string, unknown> = {
        created_at: cert.createdAt.toISOString(),
        expires_at: cert.expiresAt.toISOString(),
        page_url: cert.pageUrl ?? null,
        ip: cert.ip ?? null,
        is_masked: true,
        age_seconds: Math.round((Date.now() - cert.createdAt.getTime()) / 1000),
      };
      answer["insights"] = {
        properties: Object.fromEntries(
          request.insights.properties.filter((p) => p in available).map((p) => [p, available[p]]),
        ),
      };
    }
    sendJson(res, 200, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the fake TrustedForm did not bind");
  const url = `http://127.0.0.1:${address.port}`;

  return {
    url,
    apiKey,
    certUrl: (id) => `${url}/${id}`,
    register(cert) {
      const id = (cert.id ?? randomBytes(20).toString("hex")).toLowerCase();
      const createdAt = cert.createdAt ?? new Date();
      const expiresAt = cert.expiresAt ?? new Date(createdAt.getTime() + 90 * 24 * 3600 * 1000);
      certificates.set(id, { ...cert, id, createdAt, expiresAt });
      return id;
    },
    setMode(next) {
      mode = next;
    },
    requests: () => [...log],
    stop: () => closeServer(server),
  };
}

/** Ten digits from any formatting (a leading US country code dropped), to compare phones as a form would. */
export function nationalDigits(phone: string | undefined): string | undefined {
  const only = phone?.replace(/\D/g, "");
  return only && only.length === 11 && only.startsWith("1") ? only.slice(1) : only;
}
