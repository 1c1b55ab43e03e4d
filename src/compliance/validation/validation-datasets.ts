// The datasets lead validation reads (lead-quality.ts, area-code-states.ts), loaded on first use rather than when the
// engine's modules are imported: zipcodes is a 5 MB module of 42,000 places (~0.25 s of CPU to evaluate and ~22 MB
// of heap for the life of the process), libphonenumber and mailchecker ~4 MB of heap each, and an exchange whose
// verticals do not validate never reads any of them. The engine loads them at start when a vertical validates
// (`loadAreaCodeStates`), so no lead's deadline pays for them.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export interface ZipPlaces {
  lookup(zip: string): { state: string } | undefined;
  states: { normalize(name: string): string | undefined; abbr: Record<string, string> };
}

export interface PhoneNumbers {
  util: {
    parse(number: string, region: string): unknown;
    isValidNumberForRegion(number: unknown, region: string): boolean;
    getNumberType(number: unknown): number;
  };
  types: Record<string, number>;
}

export interface DisposableEmails {
  isValid(email: string): boolean;
}

let zipPlaces: ZipPlaces | undefined;
let phoneNumbers: PhoneNumbers | undefined;
let disposableEmails: DisposableEmails | undefined;

/** The zipcodes package: each US ZIP's (and Canadian FSA's) place, and state names to codes. */
export function zipcodes(): ZipPlaces {
  zipPlaces ??= require("zipcodes") as ZipPlaces;
  return zipPlaces;
}

/** Google's libphonenumber: its parser and validator, and its line types. */
export function libphonenumber(): PhoneNumbers {
  if (!phoneNumbers) {
    const { PhoneNumberUtil, PhoneNumberType } = require("google-libphonenumber") as {
      PhoneNumberUtil: { getInstance(): PhoneNumbers["util"] };
      PhoneNumberType: Record<string, number>;
    };
    phoneNumbers = { util: PhoneNumberUtil.getInstance(), types: PhoneNumberType };
  }
  return phoneNumbers;
}

/** mailchecker: the list of disposable e-mail providers. */
export function mailchecker(): DisposableEmails {
  disposableEmails ??= require("mailchecker") as DisposableEmails;
  return disposableEmails;
}

/** Loads every dataset now. */
export function loadValidationDatasets(): void {
  zipcodes();
  libphonenumber();
  mailchecker();
}
