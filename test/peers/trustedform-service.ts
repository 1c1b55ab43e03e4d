// TrustedForm's v4 API (Retain, Verify, Insights on one call), written from public material, not from our client or
// src/sim/fake-trustedform.ts. Sources:
// - github.com/activeprospect/leadconduit-integration-trustedform @ fed87d2, lib/trustedform.js: POST to the
//   certificate URL itself, headers `api-version: 4.0` and Basic auth with the API key as the password; body
//   `match_lead {email, phone}`, `retain {reference, vendor}` (vendor "defaults to the lead source's name"),
//   `insights {properties: [...]}` only when Insights is asked for (billed apart), `verify {advertiser_name}`; answer
//   `outcome` ("success" if every operation succeeded, "failure" if any was unsuccessful, "error" if any errored),
//   `reason`, `match_lead {email, phone, result {email_match, phone_match, success}}`, `retain {reference, vendor,
//   results {expires_at, previously_retained, masked_cert_url, share_url}}`, `insights {properties}`, `verify
//   {languages: [{text}], result {language_approved, success, form_submitted, one_to_one, …}}`; test/trustedform_spec.js
//   (a full success answer; 200 failures "Consent language not detected in the certificate." and "Insights page scans
//   unsuccessful"; a 5xx is an error);
// - developers.activeprospect.com/docs/trustedform/api/v4.0 ("Sending on Ping": match_lead and retain together unlock
//   the replay on the post) and support.activeprospect.com/hc/en-us/articles/201325419 (masked certificates).
// Where the sources are silent, and what this service does then: an unknown certificate (404 with outcome "error"),
// bad credentials (401), a missing api-version (400), the reason text of a failed match ("No matches found."), and a
// request naming no product (400, as LeadConduit's own validation refuses it).
import { randomBytes } from "node:crypto";
import { type Peer, pathOf, sendJson, startPeer } from "./peer-server.ts";

export interface TrustedFormCertificate {
  email?: string;
  phone?: string;
  /** Advertisers (legal names) the consumer gave one-to-one consent to. */
  oneToOne?: string[];
  /** The consent language the certificate recorded; none: Verify finds no language. */
  language?: string;
  pageUrl?: string;
  ip?: string;
}

export interface TrustedFormService extends Peer {
  apiKey: string;
  /** Records a certificate and gives its URL, as the TrustedForm script would on the consumer's form. */
  issue(certificate: TrustedFormCertificate): string;
  /** The JSON bodies received, by certificate id. */
  bodies(): { certId: string; body: Record<string, unknown> }[];
}

const CERT_PATH = /^\/([0-9a-f]{40})$/;

export async function startTrustedFormService(apiKey = "tf-key-123"): Promise<TrustedFormService> {
  const certificates = new Map<string, TrustedFormCertificate & { createdAt: Date }>();
  const retained = new Set<string>();
  const bodies: { certId: string; body: Record<string, unknown> }[] = [];

  const peer = await startPeer((request, res) => {
    const match = CERT_PATH.exec(pathOf(request));
    if (request.method !== "POST" || !match)
      return sendJson(res, 404, { outcome: "error", reason: "Not found" });
    const certId = match[1]!;
    if (request.headers["api-version"] !== "4.0")
      return sendJson(res, 400, { outcome: "error", reason: "api-version 4.0 is required" });
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "");
    const password = basic
      ? Buffer.from(basic[1]!, "base64").toString("utf8").split(":").slice(1).join(":")
      : "";
    if (password !== apiKey) return sendJson(res, 401, { outcome: "error", reason: "Unauthorized" });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { outcome: "error", reason: "Invalid JSON" });
    }
    bodies.push({ certId, body });
    const certificate = certificates.get(certId);
    if (!certificate) return sendJson(res, 404, { outcome: "error", reason: "Certificate not found" });
    const {
      match_lead: matchLead,
      retain,
      insights,
      verify,
    } = body as Record<string, Record<string, unknown>>;
    if (!matchLead && !retain && !insights && !verify)
      return sendJson(res, 400, { outcome: "error", reason: "a TrustedForm product must be selected" });

    const answer: Record<string, unknown> = {};
    const failures: string[] = [];
    if (matchLead) {
      const email = typeof matchLead.email === "string" ? matchLead.email.trim().toLowerCase() : undefined;
      const phone = typeof matchLead.phone === "string" ? matchLead.phone.replace(/\D/g, "") : undefined;
      const emailMatch = email === undefined ? null : email === certificate.email?.toLowerCase();
      const phoneMatch = phone === undefined ? null : phone === certificate.phone?.replace(/\D/g, "");
      const success = emailMatch === true || phoneMatch === true;
      answer.match_lead = {
        ...(email === undefined ? {} : { email }),
        ...(phone === undefined ? {} : { phone }),
        result: { email_match: emailMatch, phone_match: phoneMatch, success },
      };
      if (!success) failures.push("No matches found.");
    }
    if (retain) {
      if (!matchLead) return sendJson(res, 400, { outcome: "error", reason: "retain requires match_lead" });
      const expires = new Date(certificate.createdAt.getTime() + 90 * 24 * 3600 * 1000);
      answer.retain = {
        reference: retain.reference ?? null,
        vendor: retain.vendor ?? null,
        results: {
          expires_at: expires.toISOString(),
          previously_retained: retained.has(certId),
          masked_cert_url: `https://cert.trustedform.com/${randomBytes(20).toString("hex")}`,
          share_url: `https://cert.trustedform.com/${certId}?shared_token=${randomBytes(12).toString("hex")}`,
        },
      };
      if (failures.length === 0) retained.add(certId);
    }
    if (insights) {
      const known: Record<string, unknown> = {
        created_at: certificate.createdAt.toISOString(),
        page_url: certificate.pageUrl ?? null,
        ip: certificate.ip ?? null,
        is_masked: false,
      };
      const asked = Array.isArray(insights.properties) ? (insights.properties as string[]) : [];
      answer.insights = { properties: Object.fromEntries(asked.map((name) => [name, known[name] ?? null])) };
    }
    if (verify) {
      const advertiser = typeof verify.advertiser_name === "string" ? normalised(verify.advertiser_name) : "";
      const languages = certificate.language ? [{ text: certificate.language }] : [];
      answer.verify = {
        languages,
        result: {
          language_approved: languages.length > 0,
          success: languages.length > 0,
          form_submitted: true,
          one_to_one: (certificate.oneToOne ?? []).some((name) => normalised(name) === advertiser),
        },
      };
      if (languages.length === 0) failures.push("Consent language not detected in the certificate.");
    }
    sendJson(res, 200, {
      outcome: failures.length === 0 ? "success" : "failure",
      reason: failures[0] ?? null,
      ...answer,
    });
  });
  return {
    ...peer,
    apiKey,
    issue(certificate) {
      const id = randomBytes(20).toString("hex");
      certificates.set(id, { ...certificate, createdAt: new Date() });
      return `https://cert.trustedform.com/${id}`;
    },
    bodies: () => [...bodies],
  };
}

/** As Verify compares advertiser names: case-insensitive, redundant white space and non-ASCII ignored. */
function normalised(name: string): string {
  return name
    .replace(/[^\x20-\x7e]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
}
