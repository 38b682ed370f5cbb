/** The OAuth server's lifetimes and limits, in one place (seconds unless named otherwise). */
export const OAUTH = {
  /** Access tokens are short-lived; the refresh token (rotated on every use) renews them. */
  accessTtlS: 60 * 60,
  refreshTtlS: 30 * 24 * 60 * 60,
  /** The code goes from the browser to the client's backend at once. */
  codeTtlS: 2 * 60,
  /** How long a connect request waits for the owner's Allow in Telegram. */
  consentTtlS: 10 * 60,
  /** A registration that never gets a token is gone after a day… */
  unusedClientTtlS: 24 * 60 * 60,
  /** …and one in use lives this long after its last token. */
  usedClientTtlS: 90 * 24 * 60 * 60,
  /** Registrations per address bucket per hour: a flood from one place cannot lock others out. */
  registrationsPerHourPerSource: 10,
  /**
   * Connect requests waiting for the owner at once, per client and per address bucket: each
   * is a Telegram card. No global cap, so a flood cannot stop the owner connecting an app.
   */
  maxPendingPerClient: 3,
  maxPendingPerSource: 5,
  scope: 'mcp',
} as const;
