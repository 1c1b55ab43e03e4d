// The usage line of `gavel keys`, apart from the command so the CLI's help does not load it.
export const KEYS_USAGE = `gavel keys rotate [--config gavel.config.json] [--data-dir ./data] [--batch 500]
                   (GAVEL_PII_KEY: the new key; GAVEL_PII_OLD_KEYS: the keys it replaces)`;
