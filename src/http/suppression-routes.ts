// The admin API for suppression lists: `global`, or one per buyer (its id). Contacts arrive in clear (CSV or JSON) or
// already hashed; only their sha256 hashes are kept, and the clear values never reach the store or a log.
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  type ContactKind,
  hashContact,
  parseContactHash,
} from "../compliance/suppression/suppression-hash.ts";
import { GLOBAL_LIST } from "../compliance/suppression/suppression-index.ts";
import type { Suppressions } from "../compliance/suppression/suppressions.ts";
import type { ConfigService } from "../engine/config-service.ts";
import { GavelError } from "../errors.ts";
import type { SuppressionHash } from "../store/store.ts";
import { authenticateAdmin } from "./auth.ts";

export interface SuppressionRoutesOptions {
  suppressions: Suppressions;
  config: ConfigService;
  adminKeySha256: string;
}

/** A 100,000-row CSV of emails is about 3 MB; this leaves room for several times that. */
const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;
const MAX_VALUES = 200_000;

const ListParams = Type.Object({
  list: Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: "^[^\\u0000]+$",
    description: "`global`, or a buyer id",
  }),
});
type ListParams = Static<typeof ListParams>;

const Values = (description: string) =>
  Type.Optional(Type.Array(Type.String({ maxLength: 320 }), { maxItems: MAX_VALUES, description }));

const ContactsBody = Type.Object(
  {
    emails: Values("Emails in clear; lower-cased and trimmed, then hashed"),
    phones: Values("US phones in any common format; reduced to 10 digits, then hashed"),
    email_sha256: Values("sha256 hex of normalised emails"),
    phone_sha256: Values("sha256 hex of 10-digit phones"),
  },
  { additionalProperties: false },
);
type ContactsBody = Static<typeof ContactsBody>;

const Change = (verb: "added" | "removed", other: string) =>
  Type.Object({
    list: Type.String(),
    [verb]: Type.Integer(),
    [other]: Type.Integer(),
    invalid: Type.Integer({ description: "values that were not a valid email, phone or sha256 hex" }),
  });

export function suppressionRoutes(options: SuppressionRoutesOptions) {
  const { suppressions, config } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    // Scoped to these routes: everywhere else a text body stays a 415.
    app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string" }, (_request, body, done) =>
      done(null, body),
    );
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

    /** `global` or a buyer that exists; anything else is a 404, so a typo never creates a list nobody reads. */
    const listOf = (request: FastifyRequest<{ Params: ListParams }>): string => {
      const { list } = request.params;
      if (list !== GLOBAL_LIST && !config.snapshot.buyerById.has(list)) {
        throw new GavelError(
          "GAVEL_NOT_FOUND",
          `No suppression list ${list}: use global or a buyer id`,
          "list",
        );
      }
      return list;
    };

    app.post<{ Params: ListParams; Body: string }>(
      "/v1/admin/suppressions/:list/import",
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags,
          security,
          summary: "Import a CSV of emails and phones into a suppression list (only their hashes are kept)",
          description:
            "Send text/csv: a header row naming columns email, phone, email_sha256 or phone_sha256 (others are " +
            "ignored), or a single column of emails and phones without a header. RFC 4180: quoted cells may hold " +
            "commas, doubled quotes and line breaks; CRLF or LF; a UTF-8 byte order mark is skipped. Rows that " +
            "cannot be read and values that are not contacts are counted and the first 20 listed by line. Idempotent.",
          params: ListParams,
          response: {
            200: Type.Object({
              list: Type.String(),
              imported: Type.Integer({ description: "hashes new to the list" }),
              duplicates: Type.Integer({ description: "repeated in the file or already on the list" }),
              invalid: Type.Integer({ description: "values that were not a valid email, phone or hash" }),
              unreadable: Type.Integer({
                description: "rows the CSV reader could not read (none of their values kept)",
              }),
              problems: Type.Array(
                Type.Object({
                  line: Type.Integer({ description: "1-based line of the file where the row starts" }),
                  reason: Type.String(),
                }),
                {
                  description:
                    "the first 20 unreadable rows and invalid values, in file order (values not repeated)",
                },
              ),
            }),
          },
        },
      },
      async (request) => {
        const list = listOf(request);
        if (typeof request.body !== "string") {
          throw new GavelError("GAVEL_UNSUPPORTED_MEDIA_TYPE", "Send the list as text/csv", "body");
        }
        const change = await suppressions.importCsv(list, request.body);
        return {
          list,
          imported: change.changed,
          duplicates: change.unchanged,
          invalid: change.invalid,
          unreadable: change.unreadable,
          problems: change.problems,
        };
      },
    );

    app.post<{ Params: ListParams; Body: ContactsBody }>(
      "/v1/admin/suppressions/:list",
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags,
          security,
          summary: "Add emails and phones (clear or hashed) to a suppression list",
          params: ListParams,
          body: ContactsBody,
          response: { 200: Change("added", "duplicates") },
        },
      },
      async (request) => {
        const list = listOf(request);
        const { hashes, invalid } = hashesOf(request.body);
        const change = await suppressions.add(list, hashes);
        return { list, added: change.changed, duplicates: change.unchanged, invalid };
      },
    );

    app.delete<{ Params: ListParams; Body: ContactsBody }>(
      "/v1/admin/suppressions/:list",
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags,
          security,
          summary: "Remove emails and phones (clear or hashed) from a suppression list",
          params: ListParams,
          body: ContactsBody,
          response: { 200: Change("removed", "not_found") },
        },
      },
      async (request) => {
        const list = listOf(request);
        const { hashes, invalid } = hashesOf(request.body);
        const change = await suppressions.remove(list, hashes);
        return { list, removed: change.changed, not_found: change.unchanged, invalid };
      },
    );

    app.get<{ Params: ListParams }>(
      "/v1/admin/suppressions/:list",
      {
        schema: {
          tags,
          security,
          summary: "How many hashes a suppression list holds",
          params: ListParams,
          response: { 200: Type.Object({ list: Type.String(), count: Type.Integer() }) },
        },
      },
      async (request) => {
        const list = listOf(request);
        return { list, count: await suppressions.count(list) };
      },
    );
  };
}

function hashesOf(body: ContactsBody): { hashes: SuppressionHash[]; invalid: number } {
  const hashes: SuppressionHash[] = [];
  let invalid = 0;
  const take = (
    values: readonly string[] | undefined,
    kind: ContactKind,
    read: (kind: ContactKind, value: string) => SuppressionHash | undefined,
  ) => {
    for (const value of values ?? []) {
      const hash = read(kind, value);
      if (hash) hashes.push(hash);
      else invalid++;
    }
  };
  take(body.emails, "email", hashContact);
  take(body.phones, "phone", hashContact);
  take(body.email_sha256, "email", parseContactHash);
  take(body.phone_sha256, "phone", parseContactHash);
  return { hashes, invalid };
}
