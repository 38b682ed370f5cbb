import type { ExecResult, Transport } from '../runner/transport.js';
import type { Config } from './config/config.js';
import type { Check } from './doctor.js';

type HostConfig = Config['hosts'][number];

/** What `checkHost` looks at: a configured SSH host, or the built-in `local`. */
export type HostTarget = HostConfig | { readonly name: 'local' };

export const LOCAL_HOST: HostTarget = { name: 'local' };

export const PROBED_CLIS = ['git', 'claude', 'codex', 'gemini'] as const;

export const PROBE_TIMEOUT_MS = 10_000;

const MAX_VERSION_CHARS = 60;

/**
 * One line per CLI: `missing\t<cli>` or `found\t<cli>\t<exit code>\t<first line of --version>`.
 * A constant: nothing from the config or a user ever goes into it. The CLIs are asked in
 * parallel, each under `timeout` where the host has one, so one hung CLI cannot hide the rest.
 */
const PROBE_SCRIPT = `t=
if timeout -k 1 1 true >/dev/null 2>&1; then t='timeout -k 1 4'; fi
for c in ${PROBED_CLIS.join(' ')}; do
  (
    if command -v "$c" >/dev/null 2>&1; then
      out=$($t "$c" --version 2>&1 </dev/null)
      rc=$?
      printf 'found\\t%s\\t%s\\t%s\\n' "$c" "$rc" "$(printf '%s\\n' "$out" | head -n 1)"
    else
      printf 'missing\\t%s\\n' "$c"
    fi
  ) &
done
wait
`;

const isSsh = (host: HostTarget): host is HostConfig => 'address' in host;

const firstLine = (text: string) => (text.trim().split('\n')[0] ?? '').trim();

const clip = (text: string) =>
  text.length > MAX_VERSION_CHARS ? `${text.slice(0, MAX_VERSION_CHARS - 1)}…` : text;

/** "git version 2.39.5" → "2.39.5"; a line without a version number is shown as it is. */
const versionOf = (line: string) => /\d+\.\d+[\w.+-]*/.exec(line)?.[0] ?? clip(line);

function connectionFailure(host: HostConfig, result: ExecResult): Check | null {
  const where = `${host.user}@${host.address}:${host.port}`;
  const keyscan = `ssh-keyscan -p ${host.port} ${host.address} | ssh-keygen -lf -`;
  switch (result.failure) {
    case 'host_unreachable':
      return {
        ok: false,
        label: `${host.name} reachable`,
        detail: `cannot connect to ${where} (refused, unresolvable or no answer)`,
      };
    case 'host_key_mismatch':
      return {
        ok: false,
        label: `${host.name} host key`,
        detail: host.host_key
          ? `presented key does not match the pinned ${host.host_key}; if the host was ` +
            `rebuilt, verify its new key out of band, then re-pin it: ${keyscan}`
          : host.known_hosts
            ? `presented key is not listed for ${host.address}:${host.port} in ${host.known_hosts}`
            : `no host_key or known_hosts configured, so no key is trusted; pin it: ${keyscan}`,
      };
    case 'auth_failure':
      return {
        ok: false,
        label: `${host.name} auth`,
        detail: host.key_file
          ? `${where} did not accept the key in ${host.key_file}`
          : `${where} accepted none of the ssh-agent's keys (no key_file set; is SSH_AUTH_SOCK set?)`,
      };
    case 'connection_lost':
      return {
        ok: false,
        label: `${host.name} reachable`,
        detail: `the SSH connection to ${where} failed or was closed during the handshake`,
      };
    default:
      return null;
  }
}

function parseProbe(stdout: string): { readonly parts: string[]; readonly broken: string[] } {
  const seen = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const fields = line.split('\t');
    if (fields[1]) seen.set(fields[1], fields);
  }
  const parts: string[] = [];
  const broken: string[] = [];
  for (const cli of PROBED_CLIS) {
    const [state, , code, version = ''] = seen.get(cli) ?? [];
    if (state !== 'found') parts.push(`${cli} —`);
    else if (code === '0') parts.push(`${cli} ${versionOf(firstLine(version)) || '(no version)'}`);
    else {
      const why = code === '124' ? 'no answer to --version' : `--version exited ${code}`;
      const said = firstLine(version);
      broken.push(cli);
      parts.push(`${cli} installed, but ${why}${said ? ` (${clip(said)})` : ''}`);
    }
  }
  return { parts, broken };
}

function cliCheck(name: string, result: ExecResult): Check {
  const label = `${name} CLIs`;
  if (result.failure === 'timeout') {
    return { ok: false, label, detail: `the probe did not finish within ${PROBE_TIMEOUT_MS} ms` };
  }
  if (result.failure !== null || result.exit.kind !== 'exited' || result.exit.code !== 0) {
    const status = result.exit.kind === 'exited' ? `exit ${result.exit.code}` : result.exit.kind;
    const said = firstLine(result.stderr.text);
    return { ok: false, label, detail: `the probe failed (${status})${said ? `: ${said}` : ''}` };
  }
  const { parts, broken } = parseProbe(result.stdout.text);
  return { ok: broken.length === 0, label, detail: parts.join(', ') };
}

/**
 * Reachability, host key, auth (one SSH command proves all three, since a channel opens only
 * after them) and the agent CLIs with their versions. A missing CLI is shown, not a failure.
 */
export async function checkHost(host: HostTarget, transport: Transport): Promise<Check[]> {
  const result = await transport.exec({
    argv: ['sh', '-c', PROBE_SCRIPT],
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  if (!isSsh(host)) {
    return [
      { ok: true, label: 'local reachable', detail: 'runs on this machine, without SSH' },
      cliCheck(host.name, result),
    ];
  }
  const failed = connectionFailure(host, result);
  if (failed) return [failed];
  return [
    {
      ok: true,
      label: `${host.name} reachable, host key matches, auth works`,
      detail: `${host.user}@${host.address}:${host.port}`,
    },
    cliCheck(host.name, result),
  ];
}
