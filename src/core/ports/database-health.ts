/** What /health learns from the database: it answers and takes writes, or which of those fails. */
export type DatabaseHealth = 'ok' | 'unreachable' | 'read_only';
