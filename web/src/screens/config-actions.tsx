// What the operator may do to a configuration entry (or a console user) besides editing it: pause or resume it, issue a
// new API key (sources and buyers; a source's old key may work on for a grace period, otherwise it stops at once, which
// is how a key is revoked), and delete it (the server refuses, naming why, while anything still uses it).
import { useState } from "react";
import { api, post } from "../api.ts";
import { CopyButton } from "./common.tsx";
import type { Entity } from "./config-form.tsx";

/** How long a source's old key keeps working after a rotation: the choices offered, in minutes (the API takes any). */
const GRACE_CHOICES = [
  { minutes: 0, label: "old key stops at once" },
  { minutes: 60, label: "old key works 1 more hour" },
  { minutes: 24 * 60, label: "old key works 24 more hours" },
  { minutes: 7 * 24 * 60, label: "old key works 7 more days" },
] as const;

/**
 * Issues a new key. A source's old key may keep working for a grace period (default a day, so the seller can switch
 * without refused leads; "at once" revokes a leaked key); a buyer's stops at once.
 */
export function RotateKey(props: { plural: "sources" | "buyers"; entity: Entity; onRotated: () => void }) {
  const { plural, entity } = props;
  const [key, setKey] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [graceMinutes, setGraceMinutes] = useState(plural === "sources" ? 24 * 60 : 0);
  const grace = GRACE_CHOICES.find((choice) => choice.minutes === graceMinutes) ?? GRACE_CHOICES[0];
  return (
    <>
      {plural === "sources" && (
        <select
          aria-label={`When ${entity.id}'s old key stops working`}
          data-testid={`grace-${entity.id}`}
          value={graceMinutes}
          onChange={(event) => setGraceMinutes(Number(event.target.value))}
        >
          {GRACE_CHOICES.map((choice) => (
            <option key={choice.minutes} value={choice.minutes}>
              {choice.label}
            </option>
          ))}
        </select>
      )}
      <button
        type="button"
        className="secondary"
        data-testid={`rotate-${entity.id}`}
        onClick={async () => {
          const consequence =
            graceMinutes > 0 ? `The ${grace.label}.` : "Its current key stops working at once.";
          if (!window.confirm(`Issue a new key for ${entity.id}? ${consequence}`)) return;
          setProblem(undefined);
          try {
            const answer = await post<{ api_key: string }>(
              `/v1/admin/${plural}/${encodeURIComponent(entity.id)}/rotate-key`,
              graceMinutes > 0 ? { grace_minutes: graceMinutes } : undefined,
            );
            setKey(answer.api_key);
            props.onRotated();
          } catch (error) {
            setProblem((error as Error).message);
          }
        }}
      >
        New key
      </button>
      {key && (
        <span className="new-key-line">
          <code className="new-key" data-testid={`key-${entity.id}`}>
            {key}
          </code>
          <CopyButton text={key} testId={`copy-key-${entity.id}`} />
          <span className="muted">shown once</span>
        </span>
      )}
      {problem && <span className="problem">{problem}</span>}
    </>
  );
}

/**
 * Pause or resume straight from a list. A test entry has neither (its status is changed by editing it); a buyer's
 * resume also starts its post-failure count again.
 */
export function PauseResume(props: {
  plural: "sources" | "buyers" | "campaigns";
  entity: Entity;
  onChanged: () => void;
}) {
  const { plural, entity } = props;
  const [problem, setProblem] = useState<string>();
  if (entity.status === "test") return null;
  const action = entity.status === "paused" ? "resume" : "pause";
  return (
    <>
      <button
        type="button"
        className="secondary"
        data-testid={`${action}-${entity.id}`}
        onClick={async () => {
          setProblem(undefined);
          try {
            await post(`/v1/admin/${plural}/${encodeURIComponent(entity.id)}/${action}`);
            props.onChanged();
          } catch (error) {
            setProblem((error as Error).message);
          }
        }}
      >
        {action === "pause" ? "Pause" : "Resume"}
      </button>
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
