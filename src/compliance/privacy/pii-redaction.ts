// What a lead keeps once its PII is blanked (retention purge or erasure request, docs/privacy.md): its vertical's
// non-PII fields, built from the field list as a ping payload is (an allowlist, so a new PII field is blanked by
// default), and of its consent only the certificate ids, which prove consent without naming the consumer.

import type { PiiRedaction } from "../../domain/records.ts";
import { buildPingPayload } from "../../domain/vertical.ts";
import type { ConfigSnapshot } from "../../engine/config-snapshot.ts";

/** Consent keys kept after blanking: the TCPA evidence a buyer may still ask for, holding no contact details. */
const KEPT_CONSENT_KEYS = ["trustedform_cert_url", "jornaya_leadid"] as const;

/** The redaction for the verticals of a configuration; a lead of a vertical since removed keeps no fields at all. */
export function piiRedaction(config: Pick<ConfigSnapshot, "verticalById">): PiiRedaction {
  return (lead) => {
    const vertical = config.verticalById.get(lead.vertical);
    const consent: Record<string, unknown> = {};
    for (const key of KEPT_CONSENT_KEYS) {
      if (typeof lead.consent[key] === "string") consent[key] = lead.consent[key];
    }
    return { lead: vertical ? buildPingPayload(vertical, lead.lead) : {}, consent };
  };
}
