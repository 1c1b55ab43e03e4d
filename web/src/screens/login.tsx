import { useState } from "react";
import { post } from "../api.ts";

export function Login({ onLogin, sessionEnded }: { onLogin: () => void; sessionEnded?: boolean }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <main className="login">
      <h1>Gavel</h1>
      {sessionEnded && (
        <p className="notice" data-testid="session-ended">
          Your session has ended. Log in again to go on where you were.
        </p>
      )}
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            await post("/v1/console/login", { email, password });
            onLogin();
          } catch (caught) {
            setError((caught as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Email
          <input
            name="email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          Log in
        </button>
        {error && <p className="problem">{error}</p>}
      </form>
    </main>
  );
}
