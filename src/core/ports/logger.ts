/** Structured log lines; the entry decides where they go. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const SILENT_LOGGER: Logger = { info: () => {}, warn: () => {}, error: () => {} };
