// The one place where argv becomes a command line for a remote shell. Everything a user or a
// task supplies is single-quoted here; the only unquoted text is this file's own constants.

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Variables kept from the host login environment; everything else is cleared (env -i). */
export const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR'] as const;

/** Marks the line on stderr that reports the command's process group id. */
export const PGID_MARKER = '__switchboard_pgid__=';

/** POSIX single quoting: the result is one word that the shell passes through verbatim. */
export function quote(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be passed to a remote command');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface RemoteCommand {
  readonly argv: readonly string[];
  readonly cwd?: string | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
}

/**
 * `cd <cwd> && exec env -i <allow-list> setsid -w sh -c '<report pgid>; exec "$@"' sh <argv…>`.
 * setsid gives the command its own process group (so a timeout or cancel can kill the whole
 * tree), the inner sh reports that group's id on stderr before exec'ing the program, and every
 * argv element reaches the program as one literal argument.
 */
export function toRemoteCommandLine(cmd: RemoteCommand): string {
  const [program] = cmd.argv;
  if (program === undefined || program === '') throw new Error('argv needs a program');
  const env = Object.entries(cmd.env ?? {}).map(([k, v]) => {
    if (!ENV_NAME.test(k))
      throw new Error(`not an environment variable name: ${JSON.stringify(k)}`);
    return quote(`${k}=${v}`);
  });
  const inherited = INHERITED_ENV.map((k) => `${k}="$${k}"`);
  const lang = 'LANG="${LANG:-C.UTF-8}"';
  const report = quote(`printf '%s%s\\n' '${PGID_MARKER}' "$$" >&2; exec "$@"`);
  const run = [
    'exec env -i',
    ...inherited,
    lang,
    ...env,
    'setsid -w sh -c',
    report,
    'sh',
    ...cmd.argv.map(quote),
  ];
  return (cmd.cwd ? `cd -- ${quote(cmd.cwd)} && ` : '') + run.join(' ');
}

/** Signals a process group on the host (numbers only, so nothing to quote). */
export function groupSignalCommand(pgid: number, signal: 'TERM' | 'KILL' | '0'): string {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new Error(`not a process group id: ${pgid}`);
  return `kill -${signal} -- -${pgid}`;
}
