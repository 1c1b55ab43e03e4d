// The one spelling of an id in a route's path or query, shared by every route module.
import { Type } from "@sinclair/typebox";

// No NUL: no store can hold one (PostgreSQL refuses it), and no id Gavel issues contains one.
export const IdText = Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000]+$" });

/** `/…/:id` path parameters. */
export const IdParams = Type.Object({ id: IdText });
