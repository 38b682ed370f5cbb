/** A one-time sign-in link for the web app, asked for in the chat (/login). */
export interface LoginLink {
  /** SHA-256 (hex) of the secret in the link; the secret itself is never stored. */
  readonly tokenHash: string;
  readonly userName: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface LoginLinks {
  create(link: LoginLink): Promise<void>;
  /**
   * Uses the link once: the user it was made for, or null if it is unknown, expired or already
   * used. One statement decides, so two tabs opening the same link cannot both get in.
   */
  consume(tokenHash: string, at: string): Promise<string | null>;
}
