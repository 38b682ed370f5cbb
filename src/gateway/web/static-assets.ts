/** One file of the web app, ready to send. */
export interface StaticAsset {
  readonly body: Uint8Array;
  readonly type: string;
  /** Versioned or vendored files may be cached for long; the shell must be revalidated. */
  readonly immutable: boolean;
}

/** Where the PWA's files come from: the disk on Node, a bundle or KV elsewhere. */
export interface StaticAssets {
  /** `path` is the URL path (`/app.js`); null when there is no such file. */
  get(path: string): Promise<StaticAsset | null>;
}
