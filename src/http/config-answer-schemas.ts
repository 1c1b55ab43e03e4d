// What the admin API's configuration routes answer: the configuration file's own shapes (src/domain/config-schema.ts),
// declared once there. Answers use copies without defaults (src/http/wire-schema.ts): fastify's serializer would write
// a default into an entry stored without it. The console imports the entity types from the domain schema.
import { Type } from "@sinclair/typebox";
import {
  BuyerSchema,
  CampaignSchema,
  ConfigFileSchema,
  SettingsSchema,
  SourceSchema,
  VerticalSchema,
} from "../domain/config-schema.ts";
import { withoutDefaults } from "./wire-schema.ts";

export const VerticalAnswer = withoutDefaults(VerticalSchema);
export const SourceAnswer = withoutDefaults(SourceSchema);
export const BuyerAnswer = withoutDefaults(BuyerSchema);
export const CampaignAnswer = withoutDefaults(CampaignSchema);
export const SettingsAnswer = withoutDefaults(SettingsSchema);
export const ConfigFileAnswer = withoutDefaults(ConfigFileSchema);

const NewKey = Type.String({ description: "The new API key, shown once" });
/** A source created or replaced: with its new key when one was issued (a source created without a key hash). */
export const SourcePutAnswer = Type.Object({ source: SourceAnswer, api_key: Type.Optional(NewKey) });
export const SourceKeyAnswer = Type.Object({ source: SourceAnswer, api_key: NewKey });
export const BuyerKeyAnswer = Type.Object({ buyer: BuyerAnswer, api_key: NewKey });
