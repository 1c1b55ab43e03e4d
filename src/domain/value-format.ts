// How a buyer wants a value written, beyond a value map's word-for-word list: letter case, a phone's punctuation, a
// date's order. Leads hold phones as 10 digits and dates as YYYY-MM-DD (src/domain/fields.ts); a value not in the
// expected shape goes through unchanged, since a buyer is better served by the value than by nothing. Pure.

export const VALUE_FORMATS = [
  "upper",
  "lower",
  "phone_dashed",
  "phone_parenthesised",
  "phone_e164",
  "date_us",
] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];

const TEN_DIGITS = /^(\d{3})(\d{3})(\d{4})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function formatValue(format: ValueFormat, value: unknown): unknown {
  if (typeof value !== "string") return value;
  switch (format) {
    case "upper":
      return value.toUpperCase();
    case "lower":
      return value.toLowerCase();
    case "phone_dashed":
      return value.replace(TEN_DIGITS, "$1-$2-$3");
    case "phone_parenthesised":
      return value.replace(TEN_DIGITS, "($1) $2-$3");
    case "phone_e164":
      return TEN_DIGITS.test(value) ? `+1${value}` : value;
    case "date_us":
      return value.replace(ISO_DATE, "$2/$3/$1");
  }
}
