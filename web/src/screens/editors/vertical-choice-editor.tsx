// Which verticals a source may send: a checkbox per vertical the exchange has; none ticked removes the field (all).
import { get } from "../../api.ts";
import { useData } from "../../use-data.ts";
import { defineEditor } from "./structured-editor.ts";

export const verticalChoiceEditor = defineEditor<string[]>({
  fits: (value): value is string[] | undefined =>
    value === undefined || (Array.isArray(value) && value.every((item) => typeof item === "string")),
  Inputs({ name, value, onChange }) {
    const verticals = useData("vertical-choices", () =>
      get<{ verticals: { id: string; name: string }[] }>("/v1/admin/verticals"),
    );
    const chosen = new Set(value ?? []);
    // A vertical named here that no longer exists stays listed, so saving does not drop it silently.
    const known = verticals.data?.verticals ?? [];
    const ids = [
      ...known.map((vertical) => vertical.id),
      ...[...chosen].filter((id) => !known.some((v) => v.id === id)),
    ];
    const toggle = (id: string, on: boolean) => {
      const next = ids.filter((candidate) => (candidate === id ? on : chosen.has(candidate)));
      onChange(next.length > 0 ? next : undefined);
    };
    return (
      <fieldset className="editor-rows choices" data-testid={`${name}-choices`}>
        <legend className="muted">none ticked: every vertical</legend>
        {ids.map((id) => (
          <label key={id} className="choice">
            <input
              type="checkbox"
              name={`${name}.${id}`}
              checked={chosen.has(id)}
              onChange={(event) => toggle(id, event.target.checked)}
            />
            {known.find((vertical) => vertical.id === id)?.name ?? id} <span className="muted">({id})</span>
          </label>
        ))}
      </fieldset>
    );
  },
});
