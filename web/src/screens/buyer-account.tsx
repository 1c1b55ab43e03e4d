// The buyer's account: its money (deposits, spend, balance, credit, what it may still spend when prepaid), its
// statement's totals, and each of its campaigns with every cap's usage this period and a pause or resume button.
import { useState } from "react";
import { get, money, post, when } from "../api.ts";
import { useData } from "../use-data.ts";
import { Badge, Problem, Tile } from "./common.tsx";

interface CapUsage {
  period: string;
  leads_limit?: number;
  spend_limit?: number;
  leads: number;
  spent: number;
  reserved_leads: number;
  resets_at: string;
}

interface Account {
  buyer: { id: string; name: string; status: string };
  funds: {
    prepaid: boolean;
    deposits: number;
    spent: number;
    reserved: number;
    credit_limit: number | null;
    balance: number;
    available: number | null;
  } | null;
  caps: CapUsage[];
  campaigns: { id: string; name: string; vertical: string; status: string; caps: CapUsage[] }[];
}

interface Statement {
  from: string;
  to: string;
  charged: number;
  refunded: number;
  net: number;
}

export function BuyerAccount() {
  const account = useData("account", () => get<Account>("/v1/buyer/account"));
  const statement = useData("statement", () => get<Statement>("/v1/buyer/statement"));
  const [acting, setActing] = useState<string>();
  const [failure, setFailure] = useState<Error>();
  const funds = account.data?.funds;

  const act = async (id: string, action: "pause" | "resume") => {
    setActing(id);
    setFailure(undefined);
    try {
      await post(`/v1/buyer/campaigns/${encodeURIComponent(id)}/${action}`);
      account.reload();
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setActing(undefined);
    }
  };

  return (
    <section>
      <h2>Your account</h2>
      <Problem error={account.error} />
      <div className="tiles" data-testid="buyer-funds">
        <Tile label="spent, ever" value={money(funds?.spent)} id="buyer-spent" />
        {funds?.prepaid && (
          <>
            <Tile label="deposits" value={money(funds.deposits)} />
            <Tile label="balance" value={money(funds.balance)} id="buyer-balance" />
            <Tile label="credit limit" value={money(funds.credit_limit)} />
            <Tile label="available to spend" value={money(funds.available)} id="buyer-available" />
          </>
        )}
        {funds && !funds.prepaid && <Tile label="billing" value="invoiced" />}
      </div>
      <h2>Last 30 days</h2>
      <Problem error={statement.error} />
      <div className="tiles" data-testid="buyer-statement">
        <Tile label="charged" value={money(statement.data?.charged)} />
        <Tile label="refunded (returns)" value={money(statement.data?.refunded)} />
        <Tile label="net" value={money(statement.data?.net)} id="buyer-net" />
      </div>
      {account.data && account.data.caps.length > 0 && (
        <>
          <h2>Your account's caps</h2>
          <Caps caps={account.data.caps} />
        </>
      )}
      <h2>Your campaigns</h2>
      <Problem error={failure} />
      <table data-testid="buyer-campaigns">
        <thead>
          <tr>
            <th>campaign</th>
            <th>vertical</th>
            <th>status</th>
            <th>caps this period</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {account.data?.campaigns.map((campaign) => (
            <tr key={campaign.id} data-testid={`campaign-${campaign.id}`}>
              <td>
                {campaign.name} <code className="muted small">{campaign.id}</code>
              </td>
              <td>{campaign.vertical}</td>
              <td>
                <Badge value={campaign.status} />
              </td>
              <td>
                {campaign.caps.length ? <Caps caps={campaign.caps} /> : <span className="muted">none</span>}
              </td>
              <td>
                {campaign.status === "active" && (
                  <button
                    type="button"
                    className="secondary"
                    disabled={acting === campaign.id}
                    onClick={() => act(campaign.id, "pause")}
                  >
                    Pause
                  </button>
                )}
                {campaign.status === "paused" && (
                  <button
                    type="button"
                    disabled={acting === campaign.id}
                    onClick={() => act(campaign.id, "resume")}
                  >
                    Resume
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Each cap: used against its limit, leads and dollars, and when its period starts again. */
function Caps({ caps }: { caps: CapUsage[] }) {
  return (
    <ul className="small" style={{ margin: 0, paddingLeft: "1.1em" }}>
      {caps.map((cap) => (
        <li key={cap.period}>
          <strong>{cap.period}</strong>:{" "}
          {cap.leads_limit !== undefined && `${cap.leads} of ${cap.leads_limit} leads`}
          {cap.leads_limit !== undefined && cap.spend_limit !== undefined && ", "}
          {cap.spend_limit !== undefined && `${money(cap.spent)} of ${money(cap.spend_limit)}`}
          {cap.reserved_leads > 0 && ` (${cap.reserved_leads} awaiting post)`}
          <span className="muted"> · resets {when(cap.resets_at)}</span>
        </li>
      ))}
    </ul>
  );
}
