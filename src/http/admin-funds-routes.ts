// The admin API for buyers' money and health: prepaid top-ups (deposits are state, not configuration), a buyer's funds,
// and resuming a buyer that was paused (by hand or automatically after consecutive post failures).
import { randomUUID } from "node:crypto";
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Buyer } from "../domain/config-schema.ts";
import { dollarsToCents } from "../domain/money.ts";
import { auditEvent } from "../engine/audit-trail.ts";
import type { ConfigService } from "../engine/config-service.ts";
import type { BuyerFunds, FundsReport } from "../engine/funds.ts";
import { GavelError } from "../errors.ts";
import type { CapLedger } from "../state/counters/cap-ledger.ts";
import type { FailureStreaks } from "../state/counters/failure-streak.ts";
import type { AuditPort } from "../store/ports.ts";
import type { BuyerDeposit } from "../store/store.ts";
import { auditContextOf } from "./audit-context.ts";
import { authenticateAdmin } from "./auth.ts";
import { BuyerFundsSchema, DepositAnswerSchema, type DepositSchema, type Funds } from "./buyer-schemas.ts";
import { BuyerAnswer } from "./config-answer-schemas.ts";
import { IdText } from "./id-params.ts";

export interface AdminFundsServices {
  funds: BuyerFunds;
  /** Where reservations of won bids are held (the funds report's `reserved`). */
  caps: CapLedger;
  failureStreaks: FailureStreaks;
}

export interface AdminFundsRoutesOptions extends AdminFundsServices {
  /** Where deposits are recorded in the audit trail. */
  store: AuditPort;
  config: ConfigService;
  adminKeySha256: string;
  now?: () => number;
}

const BuyerParams = Type.Object({ id: IdText });

const DepositBody = Type.Object(
  {
    /** Dollars, above 0, at most two decimals. */
    amount: Type.Number({ exclusiveMinimum: 0, maximum: 100_000_000, description: "dollars" }),
    /** Idempotency key: a repeated top-up with the same id is recorded once. Default: a fresh id. */
    id: Type.Optional(IdText),
    note: Type.Optional(Type.String({ maxLength: 500, pattern: "^[^\\u0000]*$" })),
  },
  { additionalProperties: false },
);

interface DepositInput {
  amount: number;
  id?: string;
  note?: string;
}

export function adminFundsRoutes(options: AdminFundsRoutesOptions) {
  const { config, funds, caps, failureStreaks, store } = options;
  const now = options.now ?? Date.now;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

    const buyerOf = (id: string): Buyer => {
      const buyer = config.snapshot.buyerById.get(id);
      if (!buyer) throw new GavelError("GAVEL_NOT_FOUND", `No buyer ${id}`, "id");
      return buyer;
    };

    app.post<{ Params: { id: string }; Body: DepositInput }>(
      "/v1/admin/buyers/:id/deposits",
      {
        schema: {
          tags,
          security,
          summary: "Top up a prepaid buyer (idempotent on the deposit's id); answers with its funds",
          params: BuyerParams,
          body: DepositBody,
          response: { 200: DepositAnswerSchema, 201: DepositAnswerSchema },
        },
      },
      async (request, reply) => {
        const buyer = buyerOf(request.params.id);
        const { amount, id, note } = request.body;
        const amountCents = dollarsToCents(amount);
        if (Math.abs(amount * 100 - amountCents) > 1e-6) {
          throw new GavelError("GAVEL_VALIDATION", "amount must have at most two decimals (cents)", "amount");
        }
        const deposit: BuyerDeposit = {
          id: id ?? randomUUID(),
          buyer_id: buyer.id,
          amount_cents: amountCents,
          ...(note === undefined ? {} : { note }),
          created_at: now(),
        };
        const result = await funds.topUp(deposit);
        if (
          !result.added &&
          (result.deposit.buyer_id !== deposit.buyer_id ||
            result.deposit.amount_cents !== deposit.amount_cents)
        ) {
          throw new GavelError(
            "GAVEL_DEPOSIT_ID_REUSED",
            `Deposit ${deposit.id} was already recorded with another buyer or amount`,
            "id",
          );
        }
        // Recorded right after the deposit (not in its transaction: funds.topUp owns that write); a repeat is not.
        if (result.added) {
          await store.appendAuditEvent(
            auditEvent(
              "deposit.add",
              auditContextOf(request),
              `buyer:${buyer.id}`,
              [{ path: "deposit", after: { id: deposit.id, amount_cents: deposit.amount_cents } }],
              note === undefined ? {} : { note },
            ),
          );
        }
        // A repeat of a recorded top-up is answered as the first one was, with 200 instead of 201.
        void reply.code(result.added ? 201 : 200);
        return {
          deposit: presentDeposit(result.deposit),
          funds: presentFunds(buyer.id, await funds.report(buyer, caps)),
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      "/v1/admin/buyers/:id/funds",
      {
        schema: {
          tags,
          security,
          summary:
            "A buyer's deposits, spend, reservations, credit limit, balance and what it may still spend",
          params: BuyerParams,
          response: { 200: BuyerFundsSchema },
        },
      },
      async (request) => {
        const buyer = buyerOf(request.params.id);
        return presentFunds(buyer.id, await funds.report(buyer, caps));
      },
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/buyers/:id/resume",
      {
        schema: {
          tags,
          security,
          summary: "Resume a paused buyer (status active) and start its post-failure count again",
          params: BuyerParams,
          response: { 200: BuyerAnswer },
        },
      },
      async (request) => {
        const buyer = buyerOf(request.params.id);
        await failureStreaks.reset(buyer.id);
        return config.updateBuyer(
          buyer.id,
          (latest) => (latest.status === "active" ? latest : { ...latest, status: "active" }),
          auditContextOf(request),
        );
      },
    );
  };
}

export function presentDeposit(deposit: BuyerDeposit): Static<typeof DepositSchema> {
  return {
    id: deposit.id,
    buyer_id: deposit.buyer_id,
    amount: deposit.amount_cents / 100,
    ...(deposit.note === undefined ? {} : { note: deposit.note }),
    created_at: new Date(deposit.created_at).toISOString(),
  };
}
/** Compile-time guard: a field added to a deposit fails here until its schema says what becomes of it. */
const depositCovered: Record<
  Exclude<keyof BuyerDeposit, keyof Static<typeof DepositSchema> | "amount_cents">,
  never
> = {};
void depositCovered;

function presentFunds(buyerId: string, report: FundsReport) {
  return { buyer_id: buyerId, ...fundsInDollars(report) };
}

/** A funds report in dollars, as the admin API and the buyer's own account show it. */
export function fundsInDollars(report: FundsReport): Funds {
  return {
    prepaid: report.prepaid,
    deposits: report.deposits_cents / 100,
    spent: report.spent_cents / 100,
    reserved: report.reserved_cents / 100,
    // A buyer without `funds` is not limited: no credit limit, nothing "available" to run out of.
    credit_limit: report.prepaid ? report.credit_limit_cents / 100 : null,
    balance: report.balance_cents / 100,
    available: report.prepaid ? report.available_cents / 100 : null,
  };
}
