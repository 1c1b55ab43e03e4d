// The buyers' money at a glance: each buyer's balance, credit, what it may still spend, deposits, and what it spent
// today (in the operator's time zone, from the reports API); "add deposit" tops up a prepaid buyer (idempotent: one
// deposit id per filled-in form, so a double click adds it once); a buyer low on money or out of it is marked.
import { useState } from "react";
import { get, money, post } from "../api.ts";
import { useData } from "../use-data.ts";
import { Badge, Problem } from "./common.tsx";
import type { Entity } from "./config-form.tsx";
import { buyerStanding, useAlertThresholds } from "./standing.tsx";
import { addDays, browserTimeZone, dateIn, startOfDay } from "./time-zones.ts";

interface Funds {
  prepaid: boolean;
  deposits: number;
  spent: number;
  reserved: number;
  credit_limit: number | null;
  balance: number;
  available: number | null;
}

interface BuyerMoneyRow {
  buyer: Entity;
  funds?: Funds;
  spentToday: number;
}

export function BuyerMoney() {
  const timeZone = browserTimeZone();
  const thresholds = useAlertThresholds();
  const money$ = useData("buyer-money", async (): Promise<BuyerMoneyRow[]> => {
    const today = dateIn(Date.now(), timeZone);
    const range = new URLSearchParams({
      from: new Date(startOfDay(today, timeZone)).toISOString(),
      to: new Date(startOfDay(addDays(today, 1), timeZone)).toISOString(),
      group_by: "buyer",
      time_zone: timeZone,
    });
    const [{ buyers }, report] = await Promise.all([
      get<{ buyers: Entity[] }>("/v1/admin/buyers"),
      get<{ groups: { buyer_id: string; revenue: number }[] }>(`/v1/admin/reports?${range}`),
    ]);
    const spent = new Map(report.groups.map((group) => [group.buyer_id, group.revenue]));
    return Promise.all(
      buyers.map(async (buyer) => ({
        buyer,
        funds: await get<Funds>(`/v1/admin/buyers/${encodeURIComponent(buyer.id)}/funds`),
        spentToday: spent.get(buyer.id) ?? 0,
      })),
    );
  });
  return (
    <section>
      <h2>Buyer money</h2>
      <p className="muted">
        Prepaid buyers buy while their balance plus credit covers the bid. Spent today counts from midnight in{" "}
        {timeZone}.
        {thresholds && (
          <span data-testid="low-funds-mark">
            {" "}
            Low: under {money(thresholds.low_funds_dollars)} left to spend (settings.alerts).
          </span>
        )}
      </p>
      <Problem error={money$.error} />
      <div className="scroll">
        <table data-testid="buyer-money">
          <thead>
            <tr>
              <th>buyer</th>
              <th>standing</th>
              <th className="num">balance</th>
              <th className="num">credit</th>
              <th className="num">available</th>
              <th className="num">spent today</th>
              <th className="num">deposits</th>
              <th>add deposit</th>
            </tr>
          </thead>
          <tbody>
            {money$.data?.map(({ buyer, funds, spentToday }) => {
              const standing = buyerStanding(
                String(buyer.status),
                { status: String(buyer.status), ...(funds?.prepaid ? { funds } : {}) },
                thresholds?.low_funds_dollars,
              );
              const low = standing.label === "low funds" || standing.label === "out of funds";
              return (
                <tr key={buyer.id} data-buyer={buyer.id} className={low ? "trouble" : undefined}>
                  <td>{buyer.name ?? buyer.id}</td>
                  <td data-testid={`money-standing-${buyer.id}`}>
                    <Badge value={standing.label} />
                    {low && <span className="why"> {standing.why}</span>}
                  </td>
                  <td className="num" data-testid={`balance-${buyer.id}`}>
                    {funds?.prepaid ? money(funds.balance) : "—"}
                  </td>
                  <td className="num">{funds?.prepaid ? money(funds.credit_limit) : "—"}</td>
                  <td className={low ? "num alarm" : "num"} data-testid={`available-${buyer.id}`}>
                    {funds?.prepaid ? money(funds.available) : "no limit"}
                  </td>
                  <td className="num" data-testid={`spent-today-${buyer.id}`}>
                    {money(spentToday)}
                  </td>
                  <td className="num">{funds?.prepaid ? money(funds.deposits) : "—"}</td>
                  <td>
                    {funds?.prepaid ? (
                      <DepositForm buyerId={buyer.id} onAdded={money$.reload} />
                    ) : (
                      <span className="muted small">not prepaid</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function DepositForm({ buyerId, onAdded }: { buyerId: string; onAdded: () => void }) {
  const [amount, setAmount] = useState("");
  const [note, setNote] = useState("");
  // One id per deposit being filled in: sending it twice (a double click, a retry) records it once.
  const [depositId, setDepositId] = useState(() => crypto.randomUUID());
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="inline"
      onSubmit={async (event) => {
        event.preventDefault();
        const dollars = Number(amount);
        if (!(dollars > 0) || !/^\d+(\.\d{1,2})?$/.test(amount.trim())) {
          setProblem("an amount in dollars, e.g. 500 or 250.50");
          return;
        }
        setBusy(true);
        setProblem(undefined);
        try {
          await post(`/v1/admin/buyers/${encodeURIComponent(buyerId)}/deposits`, {
            amount: dollars,
            id: depositId,
            ...(note.trim() ? { note: note.trim() } : {}),
          });
          setAmount("");
          setNote("");
          setDepositId(crypto.randomUUID());
          onAdded();
        } catch (error) {
          setProblem((error as Error).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      <input
        name={`deposit-${buyerId}`}
        aria-label={`deposit for ${buyerId} in dollars`}
        inputMode="decimal"
        placeholder="$"
        size={7}
        value={amount}
        onChange={(event) => setAmount(event.target.value)}
      />
      <input
        name={`deposit-note-${buyerId}`}
        aria-label={`note for ${buyerId}'s deposit`}
        placeholder="note (wire, check…)"
        size={14}
        value={note}
        onChange={(event) => setNote(event.target.value)}
      />
      <button type="submit" disabled={busy}>
        Add deposit
      </button>
      {problem && <span className="problem small">{problem}</span>}
    </form>
  );
}
