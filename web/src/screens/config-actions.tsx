// What the operator may do to a configuration entry (or a console user) besides editing it: issue a new API key
// (sources and buyers; the old key stops working at once, which is how a key is revoked), and delete it (the server
// refuses, naming why, while anything still uses it).
import { useState } from "react";
import { api, post } from "../api.ts";
import type { Entity } from "./config-form.tsx";

export function RotateKey(props: { plural: "sources" | "buyers"; entity: Entity; onRotated: () => void }) {
  const { plural, entity } = props;
  const [key, setKey] = useState<string>();
  const [problem, setProblem] = useState<string>();
  return (
    <>
      <button
        type="button"
        className="secondary"
        data-testid={`rotate-${entity.id}`}
        onClick={async () => {
          if (!window.confirm(`Issue a new key for ${entity.id}? Its current key stops working at once.`))
            return;
          setProblem(undefined);
          try {
            const answer = await post<{ api_key: string }>(
              `/v1/admin/${plural}/${encodeURIComponent(entity.id)}/rotate-key`,
            );
            setKey(answer.api_key);
            props.onRotated();
          } catch (error) {
            setProblem((error as Error).message);
          }
        }}
      >
        New key (revokes the old)
      </button>
      {key && (
        <code className="new-key" data-testid={`key-${entity.id}`}>
          {key}
        </code>
      )}
      {problem && <span className="problem">{problem}</span>}
    </>
  );
}

/** `path` is what DELETE goes to; `what` names the entry in the confirmation. */
export function DeleteEntry(props: { path: string; what: string; testId: string; onDeleted: () => void }) {
  const { path, what, testId } = props;
  const [problem, setProblem] = useState<string>();
  return (
    <>
      <button
        type="button"
        className="danger"
        data-testid={`delete-${testId}`}
        onClick={async () => {
          if (!window.confirm(`Delete ${what}?`)) return;
          setProblem(undefined);
          try {
            await api("DELETE", path);
            props.onDeleted();
          } catch (error) {
            setProblem((error as Error).message);
          }
        }}
      >
        Delete
      </button>
      {problem && (
        <span className="problem" data-testid={`delete-problem-${testId}`}>
          {problem}
        </span>
      )}
    </>
  );
}
