// Browser-test helpers: Debian's chromium driven by playwright-core, and a real `gavel serve` process with simulated
// buyers (their own process), console users from the config file, and a source sending leads over HTTP.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { hashPassword } from "../../src/console/passwords.ts";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import type { BuyerBehavior } from "../../src/sim/buyer-behavior.ts";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import { personalInjuryLead, realtimeCampaign, SOURCE_KEY, testSource } from "../helpers/exchange-harness.ts";
import { type GavelProcess, startGavelProcess } from "../helpers/gavel-process.ts";

export const CHROMIUM = process.env.GAVEL_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = new URL("../../test-output/", import.meta.url).pathname;
export const PASSWORD = "console-test-password";
const ADMIN_KEY = "e2e-admin-key";

export interface ConsoleWorld {
  url: string;
  browser: Browser;
  farm: BuyerFarm;
  gavel: GavelProcess;
  /** A new page (own cookies) logged in as this user. */
  loginAs(email: string): Promise<Page>;
  /** Sends `count` direct posts from the main source, each with its own contact; answers their bodies. */
  sendLeads(count: number): Promise<{ lead_id: string; status: string }[]>;
  /** The admin API (to find leads the test needs, or to set up what a test acts on): GET unless told. */
  admin<T>(path: string, init?: { method: string; body?: unknown }): Promise<T>;
  close(): Promise<void>;
}

let leadCounter = 0;

export async function startConsoleWorld(behaviors: BuyerBehavior[]): Promise<ConsoleWorld> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or GAVEL_CHROMIUM)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "gavel-e2e-"));
  const farm = await startBuyerFarm(behaviors);
  const passwordHash = await hashPassword(PASSWORD);
  const config: ConfigFile & { users: unknown[] } = {
    sources: [
      testSource(),
      testSource({ id: "src-other", name: "Other source", api_key_sha256: sha256Hex("other-key") }),
    ],
    buyers: behaviors.map((behavior) => ({
      id: behavior.name,
      name: `${behavior.name} buyer`,
      status: "active" as const,
    })),
    campaigns: behaviors.map((behavior) => realtimeCampaign(farm, behavior.name, { return_window_days: 7 })),
    users: [
      { email: "ops@example.com", role: "operator", password_hash: passwordHash },
      ...behaviors.map((behavior) => ({
        email: `${behavior.name}@example.com`,
        role: "buyer",
        party_id: behavior.name,
        password_hash: passwordHash,
      })),
      { email: "source@example.com", role: "source", party_id: "src-main", password_hash: passwordHash },
    ],
  };
  const configPath = join(dir, "gavel.config.json");
  writeFileSync(configPath, JSON.stringify(config));
  let gavel: GavelProcess | undefined;
  let browser: Browser | undefined;
  try {
    gavel = await startGavelProcess({ configPath, dataDir: join(dir, "data"), adminKey: ADMIN_KEY });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  } catch (error) {
    await gavel?.stop();
    await farm.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = gavel.url;
  const openBrowser = browser;
  const runningGavel = gavel;
  return {
    url,
    browser,
    farm,
    gavel,
    async loginAs(email) {
      const context = await openBrowser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${url}/console/`);
      await page.fill("input[name=email]", email);
      await page.fill("input[name=password]", PASSWORD);
      await page.click("button[type=submit]");
      await page.getByTestId("who").waitFor();
      return page;
    },
    async sendLeads(count) {
      const answers = [];
      for (let i = 0; i < count; i++) {
        const n = ++leadCounter;
        const lead = personalInjuryLead();
        const full = {
          ...lead.full,
          email: `person${n}@example.com`,
          phone: `(212) 555-${String(1000 + n).padStart(4, "0")}`,
        };
        const response = await fetch(`${url}/v1/leads`, {
          method: "POST",
          headers: { authorization: `Bearer ${SOURCE_KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ vertical: "personal_injury", lead: full, consent: lead.consent }),
        });
        answers.push((await response.json()) as { lead_id: string; status: string });
      }
      return answers;
    },
    async admin(path, init) {
      const response = await fetch(url + path, {
        method: init?.method ?? "GET",
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          ...(init?.body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      const answer = await response.json();
      if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${JSON.stringify(answer)}`);
      return answer as never;
    },
    async close() {
      try {
        await openBrowser.close();
      } finally {
        await runningGavel.stop();
        await farm.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `console-${name}.png`), fullPage: true });
}
