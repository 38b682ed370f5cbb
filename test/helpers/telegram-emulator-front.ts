// The transport half of the Telegram emulator harness (telegram-emulator.ts holds the Bot API
// message semantics and the public API). EmulatorFront is a node:http server in front of the npm
// `telegram-test-api` emulator: it parses requests (JSON, urlencoded, grammY's multipart), records
// calls, injects failures, runs the given method handlers or forwards to the emulator, and owns the
// user-update queue: getUpdates offsets, long polling, 409 conflicts and webhook delivery.
import {
  createServer,
  request,
  type ClientRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';

export interface ApiCall {
  method: string;
  body: Record<string, unknown>;
  at: number;
}
export interface BotApiFailure {
  error_code: number;
  description: string;
  retry_after?: number;
}
export type Body = Record<string, unknown>;
export type Files = Map<string, { fileName: string; content: Buffer }>;
export interface Reply {
  status: number;
  json: Body;
}
export type Handler = (body: Body, files: Files) => Reply | Promise<Reply>;

export const ok = (result: unknown, description?: string): Reply => ({
  status: 200,
  json: { ok: true, result, description },
});
export const fail = (code: number, description: string, retryAfter?: number): Reply => ({
  status: code,
  json: {
    ok: false,
    error_code: code,
    description,
    parameters: retryAfter === undefined ? undefined : { retry_after: retryAfter },
  },
});
export const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
/** An object, or a string holding a JSON object/array (multipart fields), else undefined. */
export function obj(v: unknown): Body | undefined {
  try {
    if (typeof v === 'string' && /^\s*[[{]/.test(v)) v = JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
  return typeof v === 'object' && v !== null ? (v as Body) : undefined;
}

const HOST = '127.0.0.1';
const POLL_CONFLICT =
  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
const WEBHOOK_ACTIVE =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";

/** The emulator builds its apiURL from its configured port, so probe for a free port first. */
export async function startEmulator(): Promise<TelegramServer> {
  for (let attempt = 1; ; attempt++) {
    const probe = createNetServer();
    await new Promise<void>((resolve, reject) =>
      probe.once('error', reject).listen(0, HOST, resolve),
    );
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const server = new TelegramServer({ port, host: HOST });
    try {
      await server.start();
      return server;
    } catch (err) {
      if (attempt >= 5) throw err; // EADDRINUSE: the port was taken between probe and listen
    }
  }
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Node 20's FormData parser rejects grammY's multipart (unquoted filename), so parse it here. */
function parseBody(
  type: string,
  raw: Buffer,
  query: URLSearchParams,
): { body: Body; files: Files } {
  const body: Body = Object.fromEntries(query);
  const files: Files = new Map();
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (type.includes('json') && raw.length > 0) Object.assign(body, JSON.parse(raw.toString()));
  else if (type.includes('urlencoded'))
    Object.assign(body, Object.fromEntries(new URLSearchParams(raw.toString())));
  else if (boundary) {
    const delim = Buffer.from(`--${boundary[1] ?? boundary[2] ?? ''}`);
    for (let pos = raw.indexOf(delim); pos !== -1;) {
      const next = raw.indexOf(delim, pos + delim.length);
      if (next === -1) break;
      const part = raw.subarray(pos + delim.length + 2, next - 2);
      const sep = part.indexOf('\r\n\r\n');
      const head = part.subarray(0, sep).toString();
      const content = part.subarray(sep + 4);
      const name = /;\s*name="([^"]*)"/i.exec(head)?.[1] ?? '';
      const fileName = /;\s*filename="?([^";\r\n]*)"?/i.exec(head)?.[1];
      if (fileName !== undefined) files.set(name, { fileName, content });
      else body[name] = obj(content.toString()) ?? content.toString();
      pos = next;
    }
  }
  return { body, files };
}

function send(res: ServerResponse, { status, json }: Reply): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
}

export class EmulatorFront {
  readonly calls: ApiCall[] = [];
  readonly webhookStatuses: number[] = [];
  private readonly updates: Body[] = []; // pulled from the emulator, not yet confirmed by an offset
  private readonly handlers: Map<string, Handler>;
  private readonly failures = new Map<string, { left: number; error: BotApiFailure }>();
  private readonly outgoing = new Set<ClientRequest>();
  private readonly waiters = new Set<() => void>();
  private webhook: { url: string; secret: string } | null = null;
  private poller: { end: (description: string) => void } | null = null;
  private pulling: Promise<void> = Promise.resolve();
  private delivering: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch((e: unknown) => send(res, fail(500, `Internal: ${String(e)}`)));
  });

  /** onUpdate fixes up each user update as it is pulled from the emulator. */
  constructor(
    private readonly emulatorUrl: string,
    private readonly token: string,
    handlers: Record<string, Handler>,
    private readonly onUpdate: (update: Body) => void,
  ) {
    this.handlers = new Map(Object.entries(handlers));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) =>
      this.server.once('error', reject).listen(0, HOST, resolve),
    );
    return `http://${HOST}:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.webhook = null;
    this.notify();
    await new Promise((resolve) => setImmediate(resolve)); // let woken long polls answer []
    for (const req of this.outgoing) req.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await Promise.allSettled([closed, this.pulling, this.delivering]);
  }

  failNext(method: string, count: number, error: BotApiFailure): void {
    this.failures.set(method, { left: count, error });
  }

  /** Moves user updates queued in the emulator into the front's queue (serialised: in order). */
  pull(): Promise<void> {
    const run = this.pulling.then(async () => {
      const { json } = await this.post(`${this.emulatorUrl}/bot${this.token}/getUpdates`, {});
      const fresh = Array.isArray(json.result) ? (json.result as Body[]) : [];
      for (const update of fresh) this.onUpdate(update);
      this.updates.push(...fresh);
      this.updates.sort((a, b) => Number(a.update_id) - Number(b.update_id));
      if (fresh.length > 0) this.notify();
      if (this.webhook) this.deliver();
    });
    this.pulling = run.catch(() => undefined);
    return run;
  }

  /** Calls the emulator's own implementation of a method, in Bot API shape. */
  async forward(method: string, body: Body): Promise<Reply> {
    const { status, json } = await this.post(
      `${this.emulatorUrl}/bot${this.token}/${method}`,
      body,
    );
    if (typeof json.ok === 'boolean')
      return { status: json.ok ? 200 : Number(json.error_code ?? status), json };
    const message = str(json.message); // the emulator answers errors as 500 { message }
    return message.includes('is not supported')
      ? fail(404, `Not Found: method ${method} is not emulated`)
      : fail(500, `Internal Server Error: ${message}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://front');
    const raw = await readAll(req);
    const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!route) return send(res, fail(404, 'Not Found'));
    if (route[1] !== this.token) return send(res, fail(401, 'Unauthorized'));
    const method = route[2] ?? '';
    const { body, files } = parseBody(req.headers['content-type'] ?? '', raw, url.searchParams);
    this.calls.push({ method, body, at: Date.now() });
    const failure = this.failures.get(method);
    if (failure && failure.left > 0) {
      failure.left--;
      const { error_code, description, retry_after } = failure.error;
      return send(res, fail(error_code, description, retry_after));
    }
    const reply = await this.dispatch(method, body, files, res);
    if (reply) send(res, reply);
  }

  private async dispatch(method: string, body: Body, files: Files, res: ServerResponse) {
    const drop = String(body.drop_pending_updates) === 'true';
    switch (method) {
      case 'getUpdates':
        return this.getUpdates(body, res);
      case 'setWebhook':
      case 'deleteWebhook': {
        // Not forwarded: the emulator's webhook sends no secret header and throws on non-2xx.
        const url = method === 'setWebhook' ? str(body.url) : '';
        const had = this.webhook !== null;
        this.webhook = null;
        if (url !== '') this.poller?.end('Conflict: terminated by setWebhook request');
        await this.pull();
        if (drop) this.updates.length = 0;
        if (url === '') return ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
        this.webhook = { url, secret: str(body.secret_token) };
        this.deliver();
        return ok(true, 'Webhook was set');
      }
      case 'getWebhookInfo': {
        const url = this.webhook?.url ?? '';
        return ok({
          url,
          has_custom_certificate: false,
          pending_update_count: this.updates.length,
        });
      }
      default:
        return (this.handlers.get(method) ?? ((b: Body) => this.forward(method, b)))(body, files);
    }
  }

  private async getUpdates(body: Body, res: ServerResponse): Promise<Reply | null> {
    if (this.webhook) return fail(409, WEBHOOK_ACTIVE);
    const offset = Number(body.offset ?? 0);
    const limit = Math.min(Math.max(Number(body.limit ?? 100) || 100, 1), 100);
    const deadline = Date.now() + Math.max(Number(body.timeout ?? 0) || 0, 0) * 1000;
    const below = this.updates.filter((u) => Number(u.update_id) < offset).length;
    this.updates.splice(0, offset < 0 ? Math.max(this.updates.length + offset, 0) : below);
    // Like Telegram: a new getUpdates terminates the one in flight (409) and is served itself.
    this.poller?.end(POLL_CONFLICT);
    let ended: string | null = null;
    const me = {
      end: (description: string): void => {
        ended ??= description;
        this.notify();
      },
    };
    this.poller = me;
    res.once('close', () => me.end('aborted'));
    try {
      await this.pull();
      for (;;) {
        if (ended !== null) return ended === 'aborted' ? null : fail(409, ended);
        const ready = this.updates.slice(0, limit);
        if (ready.length > 0 || this.stopped || Date.now() >= deadline) return ok(ready);
        await this.sleep(deadline - Date.now());
      }
    } finally {
      if (this.poller === me) this.poller = null;
    }
  }

  /** POSTs pending updates to the webhook one at a time; failed deliveries are not retried. */
  private deliver(): void {
    this.delivering = this.delivering.then(async () => {
      while (this.webhook && this.updates.length > 0 && !this.stopped) {
        const { url, secret } = this.webhook;
        const headers: Record<string, string> = secret
          ? { 'X-Telegram-Bot-Api-Secret-Token': secret }
          : {};
        const delivered = this.post(url, this.updates.shift(), headers);
        this.webhookStatuses.push((await delivered.catch(() => ({ status: 0 }))).status);
      }
    });
  }

  private async post(url: string, payload: unknown, headers: Record<string, string> = {}) {
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-type': 'application/json' },
    });
    this.outgoing.add(req);
    req.once('close', () => this.outgoing.delete(req));
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      req.once('response', resolve).on('error', reject).end(JSON.stringify(payload)),
    );
    return { status: res.statusCode ?? 0, json: obj((await readAll(res)).toString()) ?? {} };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), Math.max(ms, 0));
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
    });
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
