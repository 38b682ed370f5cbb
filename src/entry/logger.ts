import type { Logger } from '../core/ports/logger.js';

/** One line per event on stderr: `level message key=value …`, readable in a terminal and journald. */
export function createConsoleLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const extra = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(
            ([k, v]) =>
              `${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v ?? null)}`,
          )
          .join(' ')
      : '';
    stream.write(`${new Date().toISOString()} ${level} ${message}${extra ? ` ${extra}` : ''}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
