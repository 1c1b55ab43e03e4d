// Which adapter speaks to a campaign's buyer: the native protocol, or the campaign's templated integration (a preset
// being one). Compiled once per configuration snapshot; the same compilation validates a campaign when it is saved.
import type { Campaign } from "../domain/config-schema.ts";
import type { Vertical } from "../domain/vertical.ts";
import type { BuyerAdapter } from "./buyer-adapter.ts";
import { nativeAdapter } from "./native-adapter.ts";
import { expandPreset } from "./presets.ts";
import { TemplateProblem } from "./template.ts";
import { compileTemplatedAdapter } from "./templated-adapter.ts";

/** Throws a TemplateProblem (path from the campaign, e.g. `integration.ping.body.zip`) when it cannot work. */
export function compileCampaignAdapter(campaign: Campaign, vertical: Vertical): BuyerAdapter {
  const { integration } = campaign;
  if (!integration) return nativeAdapter(campaign);
  const templated = integration.type === "preset" ? expandPreset(integration, vertical) : integration;
  if (campaign.pricing.type === "realtime" && !templated.ping)
    throw new TemplateProblem("integration.ping", "is required: a realtime campaign is pinged for its bid");
  const adapter = compileTemplatedAdapter(templated, {
    ...(campaign.ping ? { pingUrl: campaign.ping.url } : {}),
    // A delivery campaign is never posted to; its templates are only for its ping.
    postUrl: campaign.post?.url ?? "",
    vertical: campaign.vertical,
    fields: new Map(vertical.fields.map((field) => [field.name, { pii: field.pii }])),
  });
  return "sendsTestLeads" in templated && !templated.sendsTestLeads
    ? { ...adapter, sendsTestLeads: false }
    : adapter;
}

/** Why a campaign's integration cannot be used, or undefined when it can (for validation when saved). */
export function integrationProblem(
  campaign: Campaign,
  vertical: Vertical,
): { path: string; message: string } | undefined {
  try {
    compileCampaignAdapter(campaign, vertical);
    return undefined;
  } catch (error) {
    if (error instanceof TemplateProblem) return { path: error.path, message: error.message };
    throw error;
  }
}
