// The guess limit on console logins: how many attempts an email may make within a window before its logins are refused
// until the window ends. In process memory on the embedded backend, in Redis (shared by every instance) otherwise, so
// several instances behind a load balancer give an attacker the same number of guesses as one.

/** How many attempts, within how long (counted from the window's first attempt). */
export interface LoginLimit {
  attempts: number;
  windowMs: number;
}

export interface LoginThrottle {
  /**
   * Counts one login attempt for the email (normalised), before its password is checked; false (counting nothing) when
   * the email already made `limit.attempts` within the window. Atomic: parallel guesses never get more between them.
   */
  tryAttempt(email: string, limit: LoginLimit, now: number): Promise<boolean>;
  /** The password was right: forget the email's attempts. */
  clear(email: string): Promise<void>;
  close(): Promise<void>;
}
