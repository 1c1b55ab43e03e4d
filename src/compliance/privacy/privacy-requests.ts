// A consumer's access and erasure requests (CCPA/CPRA and the state privacy laws; docs/privacy.md). The operator gives
// the consumer's e-mail and/or phone; every lead of theirs is found through the contact hashes each lead keeps, so a
// lead whose PII was already blanked is still found. Access answers what is held; erasure blanks the PII of each lead
// (and the free text about it, and cancels deliveries not yet sent), adds the hashes to the global suppression list
// so their next lead is refused, and both are recorded (hashes only). Erasing twice changes nothing the second time.
import { randomUUID } from "node:crypto";
import type { LeadRecord, PrivacyRequestRecord } from "../../domain/records.ts";
import type { ConfigSnapshot } from "../../engine/config-snapshot.ts";
import { GavelError } from "../../errors.ts";
import type { LeadsPort, PrivacyPort } from "../../store/ports.ts";
import type { SuppressionHash } from "../../store/store.ts";
import { hashContact } from "../suppression/suppression-hash.ts";
import type { Suppressions } from "../suppression/suppressions.ts";
import { piiRedaction } from "./pii-redaction.ts";

/** Who the request is about: an e-mail, a US phone, or both. */
export interface ConsumerContacts {
  email?: string;
  phone?: string;
}

/** The most leads one consumer's request reaches (a real consumer has a handful; this bounds a runaway). */
const MAX_LEADS_PER_CONSUMER = 10_000;
/** Leads blanked per transaction. */
const ERASE_BATCH = 200;

export interface PrivacyRequestsOptions {
  store: PrivacyPort & LeadsPort;
  suppressions: Suppressions;
  config: () => ConfigSnapshot;
  now: () => number;
}

export class PrivacyRequests {
  readonly #options: PrivacyRequestsOptions;

  constructor(options: PrivacyRequestsOptions) {
    this.#options = options;
  }

  /** What is held about the consumer: every lead of theirs, as stored. */
  async access(contacts: ConsumerContacts): Promise<{ request: PrivacyRequestRecord; leads: LeadRecord[] }> {
    const hashes = contactHashes(contacts);
    const leads = await this.#leadsOf(hashes);
    const request = this.#record("access", hashes, { leads_found: leads.length });
    await this.#options.store.recordPrivacyRequest(request);
    return { request, leads };
  }

  /** Blanks the consumer's PII everywhere and suppresses them from now on; answers the counts. */
  async erase(contacts: ConsumerContacts): Promise<PrivacyRequestRecord> {
    const { store, suppressions, config, now } = this.#options;
    const hashes = contactHashes(contacts);
    const leads = await this.#leadsOf(hashes);
    const redact = piiRedaction(config());
    let erased = 0;
    let cancelled = 0;
    for (let start = 0; start < leads.length; start += ERASE_BATCH) {
      const ids = leads.slice(start, start + ERASE_BATCH).map((lead) => lead.id);
      const result = await store.erasePii(ids, redact, now());
      erased += result.leads;
      cancelled += result.deliveries_cancelled;
    }
    // Opt-out: the global list refuses their next lead on every vertical and buyer (and tells every instance).
    const suppressed = await suppressions.add("global", hashes);
    const request = this.#record("erasure", hashes, {
      leads_found: leads.length,
      leads_erased: erased,
      deliveries_cancelled: cancelled,
      suppressions_added: suppressed.changed,
    });
    await store.recordPrivacyRequest(request);
    return request;
  }

  async #leadsOf(hashes: readonly SuppressionHash[]): Promise<LeadRecord[]> {
    const byId = new Map<string, LeadRecord>();
    for (const hash of hashes) {
      for (const lead of await this.#options.store.leadsOfContact(hash, MAX_LEADS_PER_CONSUMER)) {
        byId.set(lead.id, lead);
      }
    }
    return [...byId.values()].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
  }

  #record(
    kind: PrivacyRequestRecord["kind"],
    contacts: SuppressionHash[],
    counts: Partial<
      Pick<
        PrivacyRequestRecord,
        "leads_found" | "leads_erased" | "deliveries_cancelled" | "suppressions_added"
      >
    >,
  ): PrivacyRequestRecord {
    return {
      id: randomUUID(),
      kind,
      contacts,
      leads_found: 0,
      leads_erased: 0,
      deliveries_cancelled: 0,
      suppressions_added: 0,
      ...counts,
      created_at: this.#options.now(),
    };
  }
}

/** The hashes of the contacts given; a clear error for a missing or malformed one. */
function contactHashes(contacts: ConsumerContacts): SuppressionHash[] {
  if (contacts.email === undefined && contacts.phone === undefined) {
    throw new GavelError("GAVEL_VALIDATION", "give the consumer's email, phone, or both", "email");
  }
  const hashes: SuppressionHash[] = [];
  for (const kind of ["email", "phone"] as const) {
    const value = contacts[kind];
    if (value === undefined) continue;
    const hash = hashContact(kind, value);
    if (!hash) {
      const problem = kind === "email" ? "is not an e-mail address" : "is not a 10-digit US phone number";
      throw new GavelError("GAVEL_VALIDATION", `${kind} ${problem}`, kind);
    }
    hashes.push(hash);
  }
  return hashes;
}
