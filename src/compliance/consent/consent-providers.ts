// Builds the consent verifiers from the configuration file (and the environment, for keys), once at start.
import type { ConfigFile } from "../../domain/config-schema.ts";
import type { ConsentVerifiers } from "./consent-policy.ts";
import { JornayaClient } from "./jornaya-client.ts";
import { TrustedFormClient } from "./trustedform-client.ts";

export interface ConsentServices {
  verifiers: ConsentVerifiers;
  /** The longest one verification may take (further bounded by what is left of the post deadline). */
  timeoutMs: number;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 2_000;

export function consentServices(
  providers: ConfigFile["consent_providers"],
  env: NodeJS.ProcessEnv = process.env,
): ConsentServices {
  const verifiers: ConsentVerifiers = {};
  const trustedformKey = env.GAVEL_TRUSTEDFORM_API_KEY ?? providers?.trustedform?.api_key;
  if (trustedformKey) {
    verifiers.trustedform = new TrustedFormClient({
      apiKey: trustedformKey,
      ...(providers?.trustedform?.base_url ? { baseUrl: providers.trustedform.base_url } : {}),
      ...(providers?.trustedform?.vendor ? { vendor: providers.trustedform.vendor } : {}),
      ...(providers?.trustedform?.insights ? { insightsProperties: providers.trustedform.insights } : {}),
    });
  }
  const jornaya = providers?.jornaya;
  const jornayaKey = env.GAVEL_JORNAYA_API_KEY ?? jornaya?.api_key;
  // The Authentication API needs only the account code; TCPA Guardian also needs the audit key.
  if (jornaya && (jornaya.api !== "tcpa_guardian" || jornayaKey)) {
    verifiers.jornaya = new JornayaClient({
      accountCode: jornaya.account_code,
      ...(jornaya.api ? { api: jornaya.api } : {}),
      ...(jornayaKey ? { apiKey: jornayaKey } : {}),
      ...(jornaya.campaign_key ? { campaignKey: jornaya.campaign_key } : {}),
      ...(jornaya.endpoint ? { endpoint: jornaya.endpoint } : {}),
    });
  }
  return {
    verifiers,
    timeoutMs: providers?.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    async close() {
      await Promise.all([verifiers.trustedform?.close?.(), verifiers.jornaya?.close?.()]);
    },
  };
}
