// The buyer-integration presets (other platforms' ping-post endpoints) and the parameters each takes: the one list the
// configuration schema, the preset expanders (src/buyers/presets.ts) and the console's integration editor all read,
// so adding a preset starts here.

export interface PresetParam {
  /** What the parameter is, in the platform's own words where it has them (shown next to the console's input). */
  about: string;
  /** The operator may leave it out. */
  optional?: boolean;
}

export const PRESET_PARAMS = {
  boberdoo: {
    key: { about: "API key (Key)" },
    src: { about: "source code the buyer issued (SRC)" },
    lead_type: { about: "lead type id (TYPE)" },
  },
  leadspedia: {
    campaign_id: { about: "lp_campaign_id" },
    campaign_key: { about: "lp_campaign_key" },
  },
  lead_prosper: {
    campaign_id: { about: "lp_campaign_id" },
    supplier_id: { about: "lp_supplier_id" },
    key: { about: "lp_key" },
    tcpa_text: {
      about: "the form's consent language (tcpa_text), sent on the ping where the campaign requires it",
      optional: true,
    },
    ping_certificate_field: {
      about:
        "the field a campaign requiring TrustedForm on the ping reads (e.g. trustedform_cert_url): the seller's masked " +
        "certificate (context.trustedform_ping_url) is sent there; absent, the ping carries no certificate",
      optional: true,
    },
  },
  px: {
    api_token: { about: "ApiToken (a GUID)" },
    vertical: { about: "PX vertical name (Vertical)" },
    source: { about: "traffic source agreed with PX (Source)" },
    original_url: { about: "the form's URL (OriginalUrl)" },
    tcpa_text: {
      about: "the form's consent language (TcpaText): on the ping, and on the post when the seller sent none",
    },
  },
} as const satisfies Record<string, Readonly<Record<string, PresetParam>>>;

export type PresetName = keyof typeof PRESET_PARAMS;
export const PRESET_NAMES = Object.keys(PRESET_PARAMS) as PresetName[];
