// The one place where argv becomes a command line for a remote shell. Everything a user or a
// task supplies is single-quoted here; the only unquoted text is this file's own constants.

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Variables kept from the host login environment; everything else is cleared (env -i). */
export const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR'] as const;

/**
 * Set in every command's environment to a per-run random value. Processes that leave the
 * command's process group and session (setsid, daemonizing) still carry it in
 * /proc/<pid>/environ, which is how a kill finds them on Linux.
 */
export const RUN_MARKER_VAR = 'SWITCHBOARD_RUN';
const RUN_MARKER = /^[0-9a-f]{16,64}$/;

/** Throws unless `marker` is a run marker (lowercase hex): it goes into shell text unquoted. */
export function checkRunMarker(marker: string): string {
  if (!RUN_MARKER.test(marker)) throw new Error(`not a run marker: ${JSON.stringify(marker)}`);
  return marker;
}

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
  /** This run's marker (see RUN_MARKER_VAR), set after the caller's env so it cannot be overridden. */
  readonly marker?: string | undefined;
}

/**
 * `cd <cwd> && <report $$> && exec env -i <allow-list> <argv…>`. OpenSSH runs every session
 * command in a new session (setsid), so the shell that reads this line leads its own process
 * group: it reports `$$` as the pgid on stderr, then becomes the program, which keeps that pid,
 * so sshd reports the program's own exit code or signal. Every argv element reaches the program
 * as one literal argument; the program name itself must not look like an env option or
 * assignment.
 */
export function toRemoteCommandLine(cmd: RemoteCommand): string {
  const [program] = cmd.argv;
  if (program === undefined || program === '') throw new Error('argv needs a program');
  if (program.startsWith('-') || program.includes('=')) {
    throw new Error(`not a program name: ${JSON.stringify(program)}`);
  }
  const env = Object.entries(cmd.env ?? {}).map(([k, v]) => {
    if (!ENV_NAME.test(k))
      throw new Error(`not an environment variable name: ${JSON.stringify(k)}`);
    return quote(`${k}=${v}`);
  });
  // `${X+"X=$X"}`: passed on only when the login environment sets it; an unset TMPDIR must not
  // reach a CLI as an empty one.
  const inherited = INHERITED_ENV.map((k) => `\${${k}+"${k}=$${k}"}`);
  const lang = 'LANG="${LANG:-C.UTF-8}"';
  const report = `printf '%s%s\\n' '${PGID_MARKER}' "$$" >&2`;
  const mark = cmd.marker === undefined ? [] : [`${RUN_MARKER_VAR}=${checkRunMarker(cmd.marker)}`];
  const run = ['exec env -i', ...inherited, lang, ...env, ...mark, ...cmd.argv.map(quote)].join(
    ' ',
  );
  return [...(cmd.cwd ? [`cd -- ${quote(cmd.cwd)}`] : []), report, run].join(' && ');
}
