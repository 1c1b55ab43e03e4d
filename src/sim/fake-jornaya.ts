// A local stand-in for a Jornaya LeadiD authenticate/audit lookup, for tests and the demo. It answers the shapes the
// client expects (see src/compliance/consent/jornaya-client.ts): a form-encoded POST with `lac`, `lak`, `lpc?`, `id`,
// `email?`, `phone?`; 401 on wrong credentials, 404 on an unknown token, otherwise 200 `{audit: {token, authentic,
// data_integrity, created_at, age_seconds, page_url, ip}}`. It can be told to answer 500 or to hang.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { type FakeRequest, type FakeServiceMode, nationalDigits } from "./fake-trustedform.ts";
import { readBody, sendJson } from "./http-json.ts";
import { closeServer } from "./simulated-buyer.ts";

export interface FakeLeadIdToken {
  /** A UUID; generated (upper case) when omitted. */
  token?: string;
  email?: string;
  phone?: string;
  createdAt?: Date;
  /** false plays a forged or tampered token. Default true. */
  authentic?: boolean;
  pageUrl?: string;
  ip?: string;
}

export interface FakeJornaya {
  url: string;
  accountCode: string;
  apiKey: string;
  /** Registers a token and answers it. */
  register(lead: FakeLeadIdToken): string;
  setMode(mode: FakeServiceMode): void;
  requests(): FakeRequest[];
  stop(): Promise<void>;
}

export async function startFakeJornaya(
  options: { accountCode?: string; apiKey?: string } = {},
): Promise<FakeJornaya> {
  const accountCode = options.accountCode ?? "FAKE-LAC";
  const apiKey = options.apiKey ?? "fake-jornaya-key";
  const tokens = new Map<string, FakeLeadIdToken & { createdAt: Date }>();
  const log: FakeRequest[] = [];
  let mode: FakeServiceMode = "ok";

  const server = createServer(async (req, res) => {
    const text = await readBody(req).catch(() => "");
    const form = new URLSearchParams(text);
    log.push({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: Object.fromEntries(form),
    });
    if (mode === "hang") return;
    if (mode === "error500") return sendJson(res, 500, { error: "internal server error" });
    if (req.method !== "POST") return sendJson(res, 405, { error: "method not allowed" });
    if (form.get("lac") !== accountCode || form.get("lak") !== apiKey)
      return sendJson(res, 401, { error: "invalid account code or API key" });
    const token = form.get("id")?.toUpperCase();
    const lead = token ? tokens.get(token) : undefined;
    if (!token || !lead) return sendJson(res, 404, { error: "token not found" });

    const email = form.get("email");
    const phone = form.get("phone");
    const checks: boolean[] = [];
    if (email !== null && lead.email)
      checks.push(email.trim().toLowerCase() === lead.email.trim().toLowerCase());
    if (phone !== null && lead.phone) checks.push(nationalDigits(phone) === nationalDigits(lead.phone));
    sendJson(res, 200, {
      audit: {
        token,
        authentic: lead.authentic === false ? 0 : 1,
        data_integrity: checks.length === 0 ? null : checks.some(Boolean) ? 1 : 0,
        created_at: lead.createdAt.toISOString(),
        age_seconds: Math.round((Date.now() - lead.createdAt.getTime()) / 1000),
        page_url: lead.pageUrl ?? null,
        ip: lead.ip ?? null,
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the fake Jornaya did not bind");

  return {
    url: `http://127.0.0.1:${address.port}/Authenticate`,
    accountCode,
    apiKey,
    register(lead) {
      const token = (lead.token ?? randomUUID()).toUpperCase();
      tokens.set(token, { ...lead, token, createdAt: lead.createdAt ?? new Date() });
      return token;
    },
    setMode(next) {
      mode = next;
    },
    requests: () => [...log],
    stop: () => closeServer(server),
  };
}
