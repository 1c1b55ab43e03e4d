// The guess limit on console logins: counters of recent attempts (see login-limits.ts for which counters a login
// uses and why), each refusing once it reaches its limit within its window. In process memory on the embedded backend,
// in Redis (shared by every instance) otherwise, so several instances behind a load balancer give an attacker the
// same number of guesses as one.

/** How many attempts, within how long (counted from the window's first attempt). */
export interface LoginLimit {
  attempts: number;
  windowMs: number;
}

/** One counter a login attempt counts in. */
export interface LoginCounter {
  /** What is counted, e.g. `address:203.0.113.7` (implementations store a hash of it, never an email in clear). */
  key: string;
  limit: LoginLimit;
  /** What a right password does to it: forget it (`clear`), or take back the attempt it just counted (`refund`). */
  onSuccess: "clear" | "refund";
}

export interface LoginThrottle {
  /**
   * Counts one attempt in every counter, before the password is checked; or, when any of them already holds its limit
   * within its window, counts nothing and returns that counter. Atomic: parallel guesses never get more between them.
   */
  tryAttempt(counters: readonly LoginCounter[], now: number): Promise<LoginCounter | undefined>;
  /** The password was right: each counter is cleared or refunded as it says. */
  succeeded(counters: readonly LoginCounter[]): Promise<void>;
  close(): Promise<void>;
}
