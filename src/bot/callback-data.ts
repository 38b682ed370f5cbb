// Telegram caps callback_data at 64 bytes and hands back whatever a client sends: the data
// names an action and a task, nothing more, and every tap is checked against the database.

export const CALLBACK_ACTIONS = {
  approve: 'ap',
  reject: 'rj',
  cancel: 'cx',
  output: 'out',
  rerun: 'rr',
  continue: 'ct',
  edit: 'ed',
  answer: 'q',
} as const;
export type CallbackAction = keyof typeof CALLBACK_ACTIONS;

const BY_CODE = new Map<string, CallbackAction>(
  Object.entries(CALLBACK_ACTIONS).map(([action, code]) => [code, action as CallbackAction]),
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const COMPACT = /^[0-9a-f]{32}$/;
const NONCE = /^[0-9a-z]{1,16}$/;

const compact = (id: string) => id.replace(/-/g, '');
const expand = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** `ap:<32 hex>`: 35 bytes for a task action. */
export function taskCallback(action: Exclude<CallbackAction, 'answer'>, taskId: string): string {
  if (!UUID.test(taskId)) throw new Error(`not a task id: ${taskId}`);
  return `${CALLBACK_ACTIONS[action]}:${compact(taskId)}`;
}

/** `q:<nonce>:<choice>`: an answer to the chat's open question, by position. */
export function answerCallback(nonce: string, choice: number): string {
  if (!NONCE.test(nonce) || !Number.isInteger(choice) || choice < 0 || choice > 99) {
    throw new Error('bad answer callback');
  }
  return `q:${nonce}:${choice}`;
}

// Agent tool-use requests (claude's permission prompt): `pa:`/`pd:` + the request id in hex.
export const PERMISSION_ACTIONS = { allow: 'pa', deny: 'pd' } as const;
export type PermissionAction = keyof typeof PERMISSION_ACTIONS;

/** `pa:<32 hex>`: Approve once (or `pd:` Deny) an agent's tool use; 35 bytes. */
export function permissionCallback(action: PermissionAction, requestId: string): string {
  if (!UUID.test(requestId)) throw new Error(`not a request id: ${requestId}`);
  return `${PERMISSION_ACTIONS[action]}:${compact(requestId)}`;
}

/** The permission decision a button names, or null for anything else. */
export function parsePermissionCallback(
  data: string | undefined,
): { readonly action: PermissionAction; readonly requestId: string } | null {
  const m = data ? /^(pa|pd):([0-9a-f]{32})$/.exec(data) : null;
  if (!m) return null;
  return { action: m[1] === 'pa' ? 'allow' : 'deny', requestId: expand(m[2]!) };
}

export type ParsedCallback =
  | { readonly action: Exclude<CallbackAction, 'answer'>; readonly taskId: string }
  | { readonly action: 'answer'; readonly nonce: string; readonly choice: number };

/** The action a button names, or null for anything we did not make. */
export function parseCallback(data: string | undefined): ParsedCallback | null {
  if (!data || data.length > 64) return null;
  const [code, a, b, ...rest] = data.split(':');
  const action = code ? BY_CODE.get(code) : undefined;
  if (!action || rest.length) return null;
  if (action === 'answer') {
    const choice = Number(b);
    return a && NONCE.test(a) && b !== undefined && /^\d{1,2}$/.test(b)
      ? { action, nonce: a, choice }
      : null;
  }
  return a && COMPACT.test(a) && b === undefined ? { action, taskId: expand(a) } : null;
}

/** `oa:<32 hex>` / `od:<32 hex>`: Allow or Deny an OAuth client's connect request. */
const CONSENT = { allow: 'oa', deny: 'od' } as const;

export function consentCallback(allow: boolean, grantId: string): string {
  if (!UUID.test(grantId)) throw new Error(`not a grant id: ${grantId}`);
  return `${allow ? CONSENT.allow : CONSENT.deny}:${compact(grantId)}`;
}

export function parseConsentCallback(
  data: string | undefined,
): { readonly grantId: string; readonly allow: boolean } | null {
  const m = /^(oa|od):([0-9a-f]{32})$/.exec(data ?? '');
  return m?.[2] ? { grantId: expand(m[2]), allow: m[1] === CONSENT.allow } : null;
}

// The end of an escalation ladder: `ld:<32 hex>` drops the task, `lr:<32 hex>:<executor>`
// re-runs it on that executor. The name rides in the data (an index would silently point
// elsewhere after a config change) and is checked against the configuration on every tap.
const LADDER = { drop: 'ld', rerun: 'lr' } as const;
const EXECUTOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_CALLBACK_BYTES = 64;

export type LadderDecisionCallback =
  | { readonly kind: 'drop'; readonly taskId: string }
  | { readonly kind: 'rerun'; readonly taskId: string; readonly executor: string };

/** `lr:<32 hex>:<name>` (or `ld:`); null when the executor's name does not fit in 64 bytes. */
export function ladderCallback(taskId: string, executor: string | null): string | null {
  if (!UUID.test(taskId)) throw new Error(`not a task id: ${taskId}`);
  if (executor === null) return `${LADDER.drop}:${compact(taskId)}`;
  if (!EXECUTOR_NAME.test(executor)) return null;
  const data = `${LADDER.rerun}:${compact(taskId)}:${executor}`;
  // Telegram counts bytes, not UTF-16 units: the same while names stay ASCII, safe if not.
  return new TextEncoder().encode(data).length <= MAX_CALLBACK_BYTES ? data : null;
}

/** The ladder decision a button names, or null for anything we did not make. */
export function parseLadderCallback(data: string | undefined): LadderDecisionCallback | null {
  if (!data || data.length > MAX_CALLBACK_BYTES) return null;
  const drop = /^ld:([0-9a-f]{32})$/.exec(data);
  if (drop?.[1]) return { kind: 'drop', taskId: expand(drop[1]) };
  const rerun = /^lr:([0-9a-f]{32}):(.+)$/.exec(data);
  if (rerun?.[1] && rerun[2] && EXECUTOR_NAME.test(rerun[2]))
    return { kind: 'rerun', taskId: expand(rerun[1]), executor: rerun[2] };
  return null;
}
