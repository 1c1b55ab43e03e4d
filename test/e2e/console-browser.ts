// Browser-test helpers: Debian's chromium driven by playwright-core, and an exchange started from a config file the
// way `gavel serve --config` starts it (the same file checks, console users from its `users`), listening on a real
// socket, with simulated buyers in their own process and a source sending leads over HTTP.
//
// The exchange runs in the test's process and one Chromium serves every file the process runs: `npm run
// test:browser` runs the files a few to a process (test/run-shards.ts), so the exchange's modules load and Chromium
// starts once per process, not once per file (a `gavel serve` child cost about 2.7 s of CPU to start, Chromium about
// 0.5 s). Each file still gets its own exchange and data folder, and each world its own browser contexts.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type RunningGavel, startGavel } from "../../src/app.ts";
import { loadConfigFile, loadConsoleUsers } from "../../src/cli/config-file.ts";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { hashPassword } from "../../src/console/passwords.ts";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import type { BuyerBehavior } from "../../src/sim/buyer-behavior.ts";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import { personalInjuryLead, realtimeCampaign, SOURCE_KEY, testSource } from "../helpers/exchange-harness.ts";

export const CHROMIUM = process.env.GAVEL_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = new URL("../../test-output/", import.meta.url).pathname;
export const PASSWORD = "console-test-password";
const ADMIN_KEY = "e2e-admin-key";

export interface ConsoleWorld {
  url: string;
  /** The process's Chromium, for contexts of the test's own: closed with the world. */
  browser: Pick<Browser, "newContext">;
  farm: BuyerFarm;
  gavel: RunningGavel;
  /** A new page (own cookies) logged in as this user. */
  loginAs(email: string): Promise<Page>;
  /** Sends `count` direct posts from the main source, each with its own contact; answers their bodies. */
  sendLeads(count: number): Promise<{ lead_id: string; status: string }[]>;
  /** The admin API (to find leads the test needs, or to set up what a test acts on): GET unless told. */
  admin<T>(path: string, init?: { method: string; body?: unknown }): Promise<T>;
  close(): Promise<void>;
}

let sharedBrowser: Promise<Browser> | undefined;
/** The process's Chromium, started on first use. */
function chromiumOnce(): Promise<Browser> {
  sharedBrowser ??= chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  return sharedBrowser;
}
// Registered at the top level, so it runs once after every file this process runs (under --test-isolation=none the
// files share one root), or after the one file. Without it an open Chromium would keep the process alive.
after(async () => {
  const browser = await sharedBrowser?.catch(() => undefined);
  await browser?.close();
});

/** One password hash for every world: scrypt is deliberately slow, and what it hashes is the same. */
let passwordHash: Promise<string> | undefined;

export async function startConsoleWorld(
  behaviors: BuyerBehavior[],
  /** Changes to the world's configuration file (storage, verticals) before the exchange starts. */
  configure: (config: ConfigFile) => ConfigFile = (config) => config,
): Promise<ConsoleWorld> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or GAVEL_CHROMIUM)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "gavel-e2e-"));
  const farm = await startBuyerFarm(behaviors);
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
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
    campaigns: behaviors.map((behavior) =>
      realtimeCampaign(farm, behavior.name, {
        return_window_days: 7,
        // A buyer that answers gets the longest a ping may take (the default tmax, 800 ms), not the harness's 300 ms:
        // these tests are about what the console shows, and the exchange shares this process with the browser's
        // driver, so on a loaded machine a first, cold auction went past 300 ms and an expected sale was lost.
        // A buyer that hangs by design keeps 300 ms, so that its leads do not each wait longer.
        ...(behavior.fault === undefined && {
          ping: { url: farm.buyers[behavior.name]!.ping, timeout_ms: 800 },
        }),
      }),
    ),
    users: [
      { email: "ops@example.com", role: "operator", password_hash: hash },
      ...behaviors.map((behavior) => ({
        email: `${behavior.name}@example.com`,
        role: "buyer",
        party_id: behavior.name,
        password_hash: hash,
      })),
      { email: "source@example.com", role: "source", party_id: "src-main", password_hash: hash },
    ],
  };
  const configPath = join(dir, "gavel.config.json");
  writeFileSync(configPath, JSON.stringify({ ...configure(config), users: config.users }));
  let gavel: RunningGavel | undefined;
  let browser: Browser;
  try {
    gavel = await startGavel({
      config: loadConfigFile(configPath),
      consoleUsers: loadConsoleUsers(configPath),
      dataDir: join(dir, "data"),
      port: 0,
      host: "127.0.0.1",
      adminKey: ADMIN_KEY,
      logLevel: "silent",
    });
    browser = await chromiumOnce();
  } catch (error) {
    await gavel?.close();
    await farm.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = gavel.url;
  const runningGavel = gavel;
  const contexts = new Set<BrowserContext>();
  // Per world, as it was per process when each file had its own: the first lead's contact is person1@example.com.
  let leadCounter = 0;
  const newContext: Browser["newContext"] = async (options) => {
    const context = await browser.newContext(options);
    contexts.add(context);
    return context;
  };
  return {
    url,
    browser: { newContext },
    farm,
    gavel,
    async loginAs(email) {
      const context = await newContext({ viewport: { width: 1280, height: 800 } });
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
      // The pages first: a dashboard still polling would hold its connection open through the exchange's close.
      try {
        await Promise.all([...contexts].map((context) => context.close()));
      } finally {
        await runningGavel.close();
        await farm.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `console-${name}.png`), fullPage: true });
}
