// What GET /v1/posting-spec/{vertical} answers as JSON, declared once: postingSpec builds exactly this type, fastify
// serialises it with this schema, and /docs shows it. The serializer writes an object's required properties first, then
// its optional ones, each in the schema's order: postingSpec builds them in that order, so JSON.stringify of the spec
// and the answer are the same text (test/http/response-schemas.test.ts).
import { type Static, Type } from "@sinclair/typebox";
import { FieldSchema, SourceSchema } from "../domain/config-schema.ts";

/** The compatible platforms a seller may post as (posting-spec.ts maps each to its field names). */
const PlatformSchema = Type.Union([
  Type.Literal("boberdoo"),
  Type.Literal("leadspedia"),
  Type.Literal("lead_prosper"),
]);
export type Platform = Static<typeof PlatformSchema>;
/** Native, then each compatible platform. */
const FlavourSchema = Type.Union([Type.Literal("native"), ...PlatformSchema.anyOf]);

export const SpecFieldSchema = Type.Object({
  name: Type.String(),
  type: FieldSchema.properties.type,
  pii: Type.Boolean(),
  required_on_ping: Type.Boolean({
    description:
      "Non-PII required fields go on the ping (and again on the post); PII fields only on the post",
  }),
  required_on_post: Type.Boolean(),
  also_named: Type.Partial(Type.Record(PlatformSchema, Type.String()), {
    description: "The name a seller may send instead, per compatible platform (this source's own map first)",
  }),
  values: Type.Optional(Type.Array(Type.String())),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  max_length: Type.Optional(Type.Integer()),
  label: Type.Optional(Type.String()),
});
export type SpecField = Static<typeof SpecFieldSchema>;

/** A key the lead may carry beside its fields (consent evidence, the consumer's visit), with each platform's names. */
const SpecKeySchema = Type.Object({
  key: Type.String(),
  also_named: Type.Partial(Type.Record(PlatformSchema, Type.Array(Type.String()))),
});

export const PostingSpecSchema = Type.Object(
  {
    source: Type.Object({ id: Type.String(), name: Type.String(), status: SourceSchema.properties.status }),
    vertical: Type.Object({ id: Type.String(), name: Type.String(), consent_required: Type.Boolean() }),
    fields: Type.Array(SpecFieldSchema),
    consent: Type.Array(SpecKeySchema, {
      description: "Consent evidence accepted on a post (and direct post)",
    }),
    context: Type.Array(SpecKeySchema, {
      description: "The consumer's visit (the native API's `context`), accepted on any call",
    }),
    test_mode: Type.String({ description: "How this source marks a lead as a test" }),
    endpoints: Type.Record(FlavourSchema, Type.Record(Type.String(), Type.String()), {
      description: "Per flavour: each call's method and URL, how to authenticate, the campaign id to send",
    }),
    examples: Type.Record(
      FlavourSchema,
      Type.Record(
        Type.String(),
        Type.Object({
          request: Type.Unknown({ description: "A JSON body, or a form-encoded string" }),
          answer: Type.Unknown({ description: "A JSON body, or an XML string" }),
        }),
      ),
      { description: "Per flavour: an example request and answer for each call" },
    ),
  },
  { $id: "PostingSpec" },
);
export type PostingSpec = Static<typeof PostingSpecSchema>;
