import type { Vertical } from "../vertical.ts";
import { autoInsurance } from "./auto-insurance.ts";
import { personalInjury } from "./personal-injury.ts";

/** Verticals every exchange starts with; operators may redefine them or add their own. */
export const BUILT_IN_VERTICALS: readonly Vertical[] = [personalInjury, autoInsurance];
