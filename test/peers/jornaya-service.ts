// Jornaya (Verisk) LeadiD, written from Jornaya's public documentation, not from our client:
// - Authentication API — docs.jornaya.com/docs/authentication-api, marketing.verisk.com/docs/authentication-api-1:
//   "Example Request Structure (GET method) https://api.leadid.com/Authenticate?lac={ACCOUNTCODE}&id={LEADIDTOKEN}";
//   `lac` (account code) and `id` ("36 Character LeadiD token") required; "Method GET"; answer
//   `{"authenticate": {"authentic": 1, "token": "{LeadiD}"}}` (XML `<authenticate><authentic>1</authentic>…`).
// - docs.jornaya.com/docs/how-to-check-the-authenticity-of-a-leadid-token: tokens are 36 characters; `"authentic": 0`
//   when "This was not a token that Jornaya created" or "This token has been queried too many times".
// - TCPA Guardian SingleQuery — docs.jornaya.com/v1/docs/tcpa-guardian-3rd-party-api: GET or POST, `lac`, `lak`, `id`
//   required, `lpc` the provider, `data` "Pipe | Separated Data with field data labels delimited by semicolons, e.g.
//   email;joe@smith.com|f_name;joe", `format`; a public client reads `audit.authentic` (code-index id 28573187842).
// Where the sources are silent, and what this mock does then:
// - an unknown account code: not documented; answered 401 here (the client must treat it as an error, not a verdict);
// - how many queries are "too many": not documented; `maxQueriesPerToken` (default 25) here;
// - how JSON vs XML is chosen on Authenticate: not documented; JSON unless the Accept header asks for XML;
// - SingleQuery's data-integrity member: not documented in what we found; `audit.data_integrity` 1/0 here;
// - a method other than the documented one: 405.
import { randomUUID } from "node:crypto";
import { type Peer, pathOf, queryOf, send, sendJson, startPeer } from "./peer-server.ts";

export interface JornayaToken {
  token: string;
  /** Contact data the form captured (SingleQuery's data check). */
  email?: string;
  phone?: string;
}

export interface JornayaService extends Peer {
  accountCode: string;
  auditKey: string;
  /** The Authentication API's URL on this mock. */
  authenticateUrl: string;
  singleQueryUrl: string;
  /** A token Jornaya "created" (authentic). */
  issue(lead?: Omit<JornayaToken, "token">): string;
  setMode(mode: "ok" | "error500" | "hang"): void;
}

const TOKEN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

export async function startJornayaService(
  options: { maxQueriesPerToken?: number } = {},
): Promise<JornayaService> {
  const accountCode = "5B8D1E2A-7C3F-4A61-9E0B-2D4C6F8A1B3E";
  const auditKey = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0";
  const maxQueries = options.maxQueriesPerToken ?? 25;
  const issued = new Map<string, JornayaToken>();
  const queries = new Map<string, number>();
  let mode: "ok" | "error500" | "hang" = "ok";

  const authentic = (id: string): 0 | 1 => {
    const token = issued.get(id.toUpperCase());
    const count = (queries.get(id) ?? 0) + 1;
    queries.set(id, count);
    return token && TOKEN.test(id.toUpperCase()) && count <= maxQueries ? 1 : 0;
  };

  const peer = await startPeer((request, res) => {
    if (mode === "hang") return;
    if (mode === "error500") return sendJson(res, 500, { error: "internal error" });
    const path = pathOf(request);
    const query = queryOf(request);
    if (path === "/Authenticate") {
      if (request.method !== "GET") return sendJson(res, 405, { error: "Method GET" });
      const lac = query.get("lac");
      const id = query.get("id");
      if (!lac || !id) return sendJson(res, 400, { error: "lac and id are required" });
      if (lac !== accountCode) return sendJson(res, 401, { error: "unknown account code" });
      const verdict = id.length === 36 ? authentic(id) : 0;
      if ((request.headers.accept ?? "").includes("xml"))
        return send(
          res,
          200,
          "application/xml",
          `<authenticate><authentic>${verdict}</authentic><token>${id}</token></authenticate>`,
        );
      return sendJson(res, 200, { authenticate: { authentic: verdict, token: id } });
    }
    if (path === "/SingleQuery") {
      if (request.method !== "GET" && request.method !== "POST")
        return sendJson(res, 405, { error: "GET or POST" });
      const params = request.method === "GET" ? query : new URLSearchParams(request.body);
      const id = params.get("id");
      if (!params.get("lac") || !params.get("lak") || !id)
        return sendJson(res, 400, { error: "lac, lak and id are required" });
      if (params.get("lac") !== accountCode || params.get("lak") !== auditKey)
        return sendJson(res, 401, { error: "unknown account code or audit key" });
      const verdict = id.length === 36 ? authentic(id) : 0;
      const token = issued.get(id.toUpperCase());
      const data = new Map<string, string>();
      for (const pair of (params.get("data") ?? "").split("|")) {
        const [label, value] = pair.split(";");
        if (label && value !== undefined) data.set(label, value);
      }
      const checks: boolean[] = [];
      if (token?.email && data.has("email")) checks.push(data.get("email") === token.email.toLowerCase());
      if (token?.phone && data.has("phone1")) checks.push(data.get("phone1") === token.phone);
      return sendJson(res, 200, {
        audit: {
          authentic: verdict,
          ...(checks.length > 0 && verdict === 1 ? { data_integrity: checks.every(Boolean) ? 1 : 0 } : {}),
        },
      });
    }
    return sendJson(res, 404, { error: "not found" });
  });

  return {
    ...peer,
    accountCode,
    auditKey,
    authenticateUrl: `${peer.url}/Authenticate`,
    singleQueryUrl: `${peer.url}/SingleQuery`,
    issue(lead = {}) {
      const token = randomUUID().toUpperCase();
      issued.set(token, { ...lead, token });
      return token;
    },
    setMode(next) {
      mode = next;
    },
  };
}
