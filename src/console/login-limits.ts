// Which counters a console login counts in, and their limits.
//
// A limit per email alone (what this was) has two faults: one client may try a few passwords on every account it can
// name (password spraying), and anyone who knows an operator's email can lock that operator out with ten wrong
// passwords. So, as OWASP's authentication guidance and most identity providers do, a login counts in three counters:
//  - per (email, client address): ten attempts per 15 minutes. The guessing limit on one account from one client;
//    it locks out that client only, never the account's owner elsewhere.
//  - per client address, across emails: fifty per 15 minutes. One client cannot spray many accounts.
//  - per email, across addresses: two hundred per 15 minutes. Only a guess spread over many addresses reaches it (a
//    botnet); a few tries from a few addresses never lock a known account.
// A right password forgets its (email, address) counter and takes its own attempt back from the other two, so these
// count failures: an office of users behind one address logging in all morning never reaches the address limit.
// IPv6 clients are counted per /64, the block one subscriber is given, so rotating addresses within it gains nothing.
import { isIPv6 } from "node:net";
import type { LoginCounter, LoginLimit } from "./login-throttle.ts";

const WINDOW_MS = 15 * 60_000;
export const LOGIN_LIMITS = {
  accountFromAddress: { attempts: 10, windowMs: WINDOW_MS },
  address: { attempts: 50, windowMs: WINDOW_MS },
  account: { attempts: 200, windowMs: WINDOW_MS },
} as const satisfies Record<string, LoginLimit>;

export type LoginScope = keyof typeof LOGIN_LIMITS;

/** The counters one login attempt counts in, most specific first. `email` is normalised. */
export function loginCounters(
  email: string,
  clientAddress: string,
): (LoginCounter & { scope: LoginScope })[] {
  const address = addressBlock(clientAddress);
  return [
    {
      scope: "accountFromAddress",
      key: `account-address:${email} ${address}`,
      limit: LOGIN_LIMITS.accountFromAddress,
      onSuccess: "clear",
    },
    { scope: "address", key: `address:${address}`, limit: LOGIN_LIMITS.address, onSuccess: "refund" },
    { scope: "account", key: `account:${email}`, limit: LOGIN_LIMITS.account, onSuccess: "refund" },
  ];
}

/** The address a client is counted under: IPv4 as is (also when IPv4-mapped), IPv6 as its /64. */
export function addressBlock(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]!.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
