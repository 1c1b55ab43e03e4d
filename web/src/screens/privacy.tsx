// The operator's consumer privacy requests (docs/privacy.md): by e-mail and/or phone, an access request shows and
// exports every lead held of the consumer; an erasure request blanks their PII everywhere, cancels unsent deliveries and
// suppresses them, and shows the counts. The requests made are listed with their hashes, never the contact.
import { useState } from "react";
import type { AdminLead } from "../../../src/http/lead-schemas.ts";
import { get, post, when } from "../api.ts";
import { useData } from "../use-data.ts";
import { Problem } from "./common.tsx";

interface PrivacyRequest {
  id: string;
  kind: "access" | "erasure";
  contacts: { kind: "email" | "phone"; sha256: string }[];
  leads_found: number;
  leads_erased: number;
  deliveries_cancelled: number;
  suppressions_added: number;
  created_at: string;
}

type Answer =
  | { kind: "access"; request: PrivacyRequest; leads: AdminLead[] }
  | { kind: "erasure"; request: PrivacyRequest };

export function Privacy() {
  const requests = useData("privacy-requests", () =>
    get<{ requests: PrivacyRequest[] }>("/v1/admin/privacy/requests?limit=20"),
  );
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [answer, setAnswer] = useState<Answer>();
  const [problem, setProblem] = useState<Error>();
  const contacts = () => ({ ...(email.trim() ? { email } : {}), ...(phone.trim() ? { phone } : {}) });

  const run = async (kind: Answer["kind"]) => {
    setProblem(undefined);
    setAnswer(undefined);
    if (
      kind === "erasure" &&
      !window.confirm(
        "Erase this consumer's personal data from every lead and suppress them? This cannot be undone.",
      )
    )
      return;
    try {
      if (kind === "access") {
        const found = await post<{ request: PrivacyRequest; leads: AdminLead[] }>(
          "/v1/admin/privacy/access",
          contacts(),
        );
        setAnswer({ kind, ...found });
      } else {
        setAnswer({ kind, request: await post<PrivacyRequest>("/v1/admin/privacy/erasure", contacts()) });
      }
      requests.reload();
    } catch (caught) {
      setProblem(caught as Error);
    }
  };

  return (
    <section>
      <h2>Consumer privacy</h2>
      <p className="muted">
        A consumer's request to see, or to erase, what the exchange holds of them: their leads are found by
        the hashes of their e-mail and phone.
      </p>
      <form className="inline" onSubmit={(event) => event.preventDefault()}>
        <input
          name="email"
          type="email"
          aria-label="consumer e-mail"
          placeholder="e-mail"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <input
          name="phone"
          aria-label="consumer phone"
          placeholder="phone"
          value={phone}
          onChange={(event) => setPhone(event.target.value)}
        />
        <button type="button" onClick={() => run("access")}>
          Access request
        </button>
        <button type="button" className="danger" onClick={() => run("erasure")}>
          Erase
        </button>
      </form>
      <Problem error={problem ?? requests.error} />
      {answer && <RequestCounts request={answer.request} />}
      {answer?.kind === "access" && <AccessExport leads={answer.leads} requestId={answer.request.id} />}
      <h3>Requests made</h3>
      <table data-testid="privacy-requests">
        <thead>
          <tr>
            <th>when</th>
            <th>kind</th>
            <th>contacts (sha256)</th>
            <th className="num">leads found</th>
            <th className="num">erased</th>
          </tr>
        </thead>
        <tbody>
          {requests.data?.requests.map((request) => (
            <tr key={request.id}>
              <td>{when(request.created_at)}</td>
              <td>{request.kind}</td>
              <td className="small">
                {request.contacts
                  .map((contact) => `${contact.kind} ${contact.sha256.slice(0, 12)}…`)
                  .join(", ")}
              </td>
              <td className="num">{request.leads_found}</td>
              <td className="num">{request.leads_erased}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {requests.data?.requests.length === 0 && <p className="muted">No request yet.</p>}
    </section>
  );
}

function RequestCounts({ request }: { request: PrivacyRequest }) {
  const counts: [string, number][] =
    request.kind === "access"
      ? [["leads found", request.leads_found]]
      : [
          ["leads found", request.leads_found],
          ["leads erased", request.leads_erased],
          ["deliveries cancelled", request.deliveries_cancelled],
          ["suppressions added", request.suppressions_added],
        ];
  return (
    <dl className="counts" data-testid="privacy-counts">
      <div>
        <dt>{request.kind === "access" ? "access request" : "erasure"} recorded</dt>
        <dd>{when(request.created_at)}</dd>
      </div>
      {counts.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What is held of the consumer, as the access request answered it: listed, and downloadable as JSON. */
function AccessExport({ leads, requestId }: { leads: AdminLead[]; requestId: string }) {
  const download = () => {
    const blob = new Blob([JSON.stringify({ request_id: requestId, leads }, null, 2)], {
      type: "application/json",
    });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `access-request-${requestId}.json`;
    link.click();
    URL.revokeObjectURL(link.href);
  };
  return (
    <div data-testid="privacy-export">
      <h3>
        What is held ({leads.length} {leads.length === 1 ? "lead" : "leads"}){" "}
        <button type="button" className="secondary" onClick={download}>
          Download JSON
        </button>
      </h3>
      {leads.map((lead) => (
        <details key={lead.id} open={leads.length <= 3}>
          <summary>
            {lead.id} · {lead.vertical} · {lead.status} · {when(lead.created_at)}
            {lead.pii_purged_at ? ` · PII purged ${when(lead.pii_purged_at)}` : ""}
          </summary>
          <pre className="small">{JSON.stringify({ lead: lead.lead, consent: lead.consent }, null, 2)}</pre>
        </details>
      ))}
    </div>
  );
}
