// Bearer-key authentication. Keys are compared by their sha256, so the exchange never holds a source's (or a buyer's)
// key. A console session (see console-session.ts) stands in for a key: an operator's for the admin key, a buyer
// user's for its buyer's key; any other console user is refused (403).
import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { sha256Hex } from "../compliance/sha256-hex.ts";
import type {} from "../console/source-auth-failures.ts";
import type { Buyer, Source } from "../domain/config-schema.ts";
import type { ConfigSnapshot } from "../engine/config-snapshot.ts";
import { GavelError } from "../errors.ts";
import "./console-session.ts";

function bearerKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header?.startsWith("Bearer ")) return undefined;
  return header.slice(7).trim() || undefined;
}

/** The source a seller request comes from, or a 401. */
export function authenticateSource(request: FastifyRequest, config: ConfigSnapshot): Source {
  return sourceOfKey(request, config, bearerKey(request));
}

declare module "fastify" {
  interface FastifyInstance {
    /** Wall clock (epoch ms) the server judges time-limited credentials by; injectable for tests (server.ts). */
    clock: () => number;
  }
}

/**
 * The source whose key this is, however the request carried it (a Bearer header, or a platform's key field on the
 * compatible inbound endpoints), or a 401. A source's previous key is accepted until its rotation's grace period
 * ends. A refused key is counted for the console, which shows a source still sending a rotated key
 * (admin-source-auth-routes.ts).
 */
export function sourceOfKey(
  request: FastifyRequest,
  config: ConfigSnapshot,
  key: string | undefined,
  message?: string,
): Source {
  const keyHash = key === undefined ? undefined : sha256Hex(key);
  const source =
    keyHash === undefined
      ? undefined
      : (config.sourceByKeyHash.get(keyHash) ?? sourceInGrace(config, keyHash, request.server.clock()));
  const failures = request.server.sourceAuthFailures;
  failures?.observe(config);
  if (!source) {
    failures?.record(keyHash);
    throw new GavelError("GAVEL_UNAUTHORIZED", message);
  }
  return source;
}

/** Each snapshot's sources by the hash of their previous key, with the end of its grace period (epoch ms). */
const previousKeys = new WeakMap<ConfigSnapshot, ReadonlyMap<string, { source: Source; until: number }>>();

/** The source whose previous key this is, while its grace period lasts. */
function sourceInGrace(config: ConfigSnapshot, keyHash: string, now: number): Source | undefined {
  let byHash = previousKeys.get(config);
  if (!byHash) {
    byHash = new Map(
      config.sources.flatMap((source) =>
        source.previous_api_key_sha256 && source.previous_key_expires_at
          ? [[source.previous_api_key_sha256, { source, until: Date.parse(source.previous_key_expires_at) }]]
          : [],
      ),
    );
    previousKeys.set(config, byHash);
  }
  const previous = byHash.get(keyHash);
  return previous && now < previous.until ? previous.source : undefined;
}

/** Each snapshot's buyers by key hash, built once per snapshot (snapshots are immutable and swapped whole). */
const buyersByKeyHash = new WeakMap<ConfigSnapshot, ReadonlyMap<string, Buyer>>();

/** The buyer a buyer-API request comes from, or a 401 (a source's key or the admin key is not a buyer's). */
export function authenticateBuyer(request: FastifyRequest, config: ConfigSnapshot): Buyer {
  let byHash = buyersByKeyHash.get(config);
  if (!byHash) {
    byHash = new Map(
      config.buyers.flatMap((buyer) => (buyer.api_key_sha256 ? [[buyer.api_key_sha256, buyer]] : [])),
    );
    buyersByKeyHash.set(config, byHash);
  }
  const user = request.consoleUser;
  if (user?.role === "buyer") {
    const buyer = config.buyerById.get(user.party_id ?? "");
    if (!buyer) throw new GavelError("GAVEL_UNAUTHORIZED", "This user's buyer no longer exists");
    return buyer;
  }
  const key = bearerKey(request);
  const buyer = key === undefined ? undefined : byHash.get(sha256Hex(key));
  if (!buyer) throw new GavelError(user ? "GAVEL_FORBIDDEN" : "GAVEL_UNAUTHORIZED");
  return buyer;
}

/** Checks the admin key against its hash in constant time, or that the console user is an operator. */
export function authenticateAdmin(request: FastifyRequest, adminKeySha256: string): void {
  const user = request.consoleUser;
  if (user?.role === "operator") return;
  const key = bearerKey(request);
  const expected = Buffer.from(adminKeySha256, "hex");
  const given = Buffer.from(key === undefined ? "" : sha256Hex(key), "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new GavelError(user ? "GAVEL_FORBIDDEN" : "GAVEL_UNAUTHORIZED");
}
