// The operator's console users: who may log in, and as what (added, or deleted: their sessions end at once). Buyer and
// source users are bound to one buyer or source.
import { useState } from "react";
import type { ConsoleUser } from "../../../src/http/console-schemas.ts";
import { get, post, type Role } from "../api.ts";
import { useData } from "../use-data.ts";
import { Problem } from "./common.tsx";
import { DeleteEntry } from "./config-actions.tsx";

type User = ConsoleUser;

interface Party {
  id: string;
  name: string;
}

export function Users() {
  const users = useData("users", () => get<{ users: User[] }>("/v1/console/users"));
  const parties = useData("parties", async () => {
    const [buyers, sources] = await Promise.all([
      get<{ buyers: Party[] }>("/v1/admin/buyers"),
      get<{ sources: Party[] }>("/v1/admin/sources"),
    ]);
    return { buyer: buyers.buyers, source: sources.sources };
  });
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("buyer");
  const [partyId, setPartyId] = useState("");
  const [password, setPassword] = useState("");
  const [saved, setSaved] = useState<string>();
  const [saveError, setSaveError] = useState<Error>();
  const choices = role === "operator" ? [] : (parties.data?.[role] ?? []);
  return (
    <section>
      <h2>Console users</h2>
      <Problem error={users.error ?? parties.error} />
      <table data-testid="users-table">
        <thead>
          <tr>
            <th>email</th>
            <th>role</th>
            <th>of</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.data?.users.map((user) => (
            <tr key={user.id}>
              <td>{user.email}</td>
              <td>{user.role}</td>
              <td>{user.party_id ?? ""}</td>
              <td>
                <DeleteEntry
                  path={`/v1/console/users/${encodeURIComponent(user.id)}`}
                  what={`${user.email} (their sessions end at once)`}
                  testId={user.email}
                  onDeleted={users.reload}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Add a user (or set a new password)</h3>
      <form
        className="inline"
        onSubmit={async (event) => {
          event.preventDefault();
          setSaved(undefined);
          setSaveError(undefined);
          try {
            const answer = await post<{ user: User }>("/v1/console/users", {
              email,
              role,
              ...(role === "operator" ? {} : { party_id: partyId }),
              password,
            });
            setSaved(`Saved ${answer.user.email}`);
            setPassword("");
            users.reload();
          } catch (caught) {
            setSaveError(caught as Error);
          }
        }}
      >
        <input
          name="email"
          type="email"
          placeholder="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
        />
        <select
          name="role"
          value={role}
          onChange={(event) => {
            setRole(event.target.value as Role);
            setPartyId("");
          }}
        >
          <option value="buyer">buyer user</option>
          <option value="source">source user</option>
          <option value="operator">operator</option>
        </select>
        {role !== "operator" && (
          <select name="party" value={partyId} onChange={(event) => setPartyId(event.target.value)} required>
            <option value="">{role}…</option>
            {choices.map((party) => (
              <option key={party.id} value={party.id}>
                {party.name} ({party.id})
              </option>
            ))}
          </select>
        )}
        <input
          name="new-password"
          type="password"
          autoComplete="new-password"
          placeholder="password (8+)"
          minLength={8}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        <button type="submit">Save user</button>
      </form>
      {saved && <p data-testid="user-saved">{saved}</p>}
      <Problem error={saveError} />
    </section>
  );
}
