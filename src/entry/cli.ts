import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { formatConfigError, loadConfig } from './config/load-config.js';
import type { Config } from './config/config.js';
import { StartupError, ensureDataDir } from './data-dir.js';
import { createConsoleLogger } from './logger.js';
import type { RunningSwitchboard } from './node.js';
import { openMigratedDatabase } from './open-database.js';
import { VERSION } from './version.js';
import {
  CLIENT_ROLES,
  createClientToken,
  createRunnerToken,
  listClients,
  parseRunnerHosts,
  revokeClient,
  type ClientRole,
} from './tokens.js';
import { parseCommand } from './parse-command.js';
import { exportTask, importTask } from './task-files.js';

const USAGE = `Usage: switchboard <command>

Commands:
  start     run the gateway with its embedded libSQL database and runner (default)
  runner    run a runner service that pulls work from a gateway
            (needs SWITCHBOARD_GATEWAY_URL and SWITCHBOARD_RUNNER_TOKEN)
  token create --name NAME --role runner --hosts HOST[,HOST…]
            register a runner service for those configured hosts (never
            local) and print its token (shown once)
  token create --name NAME --role owner|approver|viewer
            a static token for an MCP client or script (shown once)
  token list | token revoke --name NAME
  parse "<text>" [--json]
            print the task draft a message would become (creates nothing)
  task export ID [--out DIR]
            write the task as Markdown with YAML front matter (ID.md), and
            ID.result.md once it has ended
  task import FILE
            submit the request in a task file as a new task
  migrate   apply pending database migrations, then exit
  doctor    check the configuration, data dir, database and every host
            (reachable, host key, auth, installed CLIs)
  help      show this help
  version   print the version

Configuration comes from the environment (PORT, HOST, SWITCHBOARD_DATA_DIR,
SWITCHBOARD_CONFIG, SWITCHBOARD_ADMIN_TOKEN, DATABASE_URL, …); see README.md.`;

interface Io {
  out(line: string): void;
  err(line: string): void;
}

function banner(config: Config, running: RunningSwitchboard, cwd: string): string {
  const show = (path: string) => (path.startsWith(cwd) ? relative(cwd, path) || '.' : path);
  const token = running.adminToken;
  const lines = [
    `Switchboard ${config.version} is running at ${running.url}`,
    `  data dir:  ${config.dataDir}`,
    `  database:  ${config.database.url}${running.migrationsApplied ? ` (${running.migrationsApplied} migrations applied)` : ''}`,
  ];
  if (token.created && token.file) {
    lines.push(
      `  admin token (shown once; saved to ${show(token.file)}, mode 0600):`,
      `    ${token.value}`,
    );
  } else {
    lines.push(
      `  admin token: ${token.file ? `in ${show(token.file)}` : 'from SWITCHBOARD_ADMIN_TOKEN'}`,
    );
  }
  lines.push(`  try: curl ${running.url}/health`, 'Press Ctrl+C to stop.');
  return lines.join('\n');
}

async function start(config: Config, io: Io): Promise<number> {
  // Loaded on demand, like the runner and doctor: `token`, `migrate` and `--version` start fast.
  const { startSwitchboard } = await import('./node.js');
  const running = await startSwitchboard(config, createConsoleLogger());
  io.out(banner(config, running, process.cwd()));
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      io.err(`${signal} received: finishing in-flight requests, then exiting`);
      void running.close().then(() => resolve(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function migrate(config: Config, io: Io): Promise<number> {
  if (config.database.url.startsWith('file:')) ensureDataDir(config.dataDir);
  const { handle, applied } = await openMigratedDatabase(config);
  handle.close();
  io.out(
    applied
      ? `Applied ${applied} migration(s) to ${config.database.url}.`
      : `${config.database.url} is up to date.`,
  );
  return 0;
}

const TOKEN_USAGE = [
  'usage: switchboard token create --name NAME --role runner --hosts HOST[,HOST…]',
  '       switchboard token create --name NAME --role owner|approver|viewer',
  '       switchboard token list',
  '       switchboard token revoke --name NAME',
].join('\n');

async function token(
  config: Config,
  args: readonly string[],
  values: Record<string, string | boolean | undefined>,
  io: Io,
): Promise<number> {
  const name = typeof values['name'] === 'string' ? values['name'].trim() : '';
  const role = values['role'];
  const validName = /^[\w .@:-]{1,64}$/.test(name);
  if (args[0] === 'list') {
    const clients = await listClients(config);
    if (!clients.length)
      io.out(
        'No client tokens. Create one with: switchboard token create --name NAME --role approver',
      );
    for (const c of clients) {
      io.out(
        `${c.name}\t${c.role}\tcreated ${c.createdAt}\t${c.lastUsedAt ? `last used ${c.lastUsedAt}` : 'never used'}`,
      );
    }
    return 0;
  }
  if (args[0] === 'revoke' && validName) {
    if (await revokeClient(config, name)) {
      io.out(`Revoked the token of "${name}"; it is refused from now on.`);
      return 0;
    }
    io.err(`No active client named "${name}" (see switchboard token list).`);
    return 1;
  }
  if (args[0] !== 'create' || !validName || typeof role !== 'string') {
    io.err(TOKEN_USAGE);
    return 2;
  }
  if (role === 'runner') {
    const hosts = parseRunnerHosts(config, values['hosts']);
    if (!hosts.ok) {
      io.err(`switchboard: ${hosts.message}`);
      return 2;
    }
    const created = await createRunnerToken(config, name, hosts.hosts);
    io.out(
      `Runner "${name}" registered (id ${created.id}) for ${hosts.hosts.join(', ')}. Its token, shown once:\n  ${created.token}`,
    );
    io.out('Give it to the runner service as SWITCHBOARD_RUNNER_TOKEN.');
    return 0;
  }
  if (!(CLIENT_ROLES as readonly string[]).includes(role)) {
    io.err(TOKEN_USAGE);
    return 2;
  }
  const created = await createClientToken(config, name, role as ClientRole);
  if ('taken' in created) {
    io.err(`A client named "${name}" already exists; revoke it first or pick another name.`);
    return 1;
  }
  io.out(`Client "${name}" (${role}) created. Its token, shown once:\n  ${created.token}`);
  io.out(
    'Use it as a bearer token for /mcp (e.g. claude mcp add --transport http … --header "Authorization: Bearer …").',
  );
  return 0;
}

async function taskFiles(
  config: Config,
  args: readonly string[],
  values: Record<string, string | boolean | undefined>,
  io: Io,
): Promise<number> {
  const [verb, target] = args;
  if (!target || args.length !== 2 || (verb !== 'export' && verb !== 'import')) {
    io.err('usage: switchboard task export ID [--out DIR] | switchboard task import FILE');
    return 2;
  }
  const out = typeof values['out'] === 'string' ? values['out'] : process.cwd();
  const done =
    verb === 'export' ? await exportTask(config, target, out) : await importTask(config, target);
  for (const line of done.lines) (done.code === 0 ? io.out : io.err)(line);
  return done.code;
}

async function runnerService(config: Config, io: Io): Promise<number> {
  const { startRunnerService } = await import('./runner-service.js');
  const service = startRunnerService(config, createConsoleLogger());
  io.out(
    `Switchboard runner ${config.version} serving ${service.hosts.join(', ')} for ${config.gateway.url}`,
  );
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      io.err(`${signal} received: stopping running tasks, then exiting`);
      void service.stop().then(() => resolve(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      name: { type: 'string' },
      role: { type: 'string' },
      hosts: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
    },
    strict: false,
  });
  const command = values.help ? 'help' : values.version ? 'version' : (positionals[0] ?? 'start');
  if (command === 'help') return (io.out(USAGE), 0);
  if (command === 'version') return (io.out(VERSION), 0);
  if (!['start', 'migrate', 'doctor', 'runner', 'token', 'parse', 'task'].includes(command)) {
    io.err(`switchboard: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const loaded = loadConfig({
    env: process.env,
    cwd: process.cwd(),
    version: VERSION,
    readFile: (p) => readFileSync(p, 'utf8'),
  });
  if (!loaded.ok) {
    io.err(formatConfigError(loaded.error));
    return 1;
  }
  const config = loaded.value;
  try {
    if (command === 'doctor') {
      const { formatChecks, mcpConnectHelp, runDoctor } = await import('./doctor.js');
      const checks = await runDoctor(config);
      io.out(formatChecks(checks));
      io.out(`\n${mcpConnectHelp(config)}`);
      return checks.every((c) => c.ok) ? 0 : 1;
    }
    if (command === 'parse') {
      const text = positionals.slice(1).join(' ');
      if (!text.trim()) {
        io.err('usage: switchboard parse "<text>" [--json]');
        return 2;
      }
      const parsed = await parseCommand(config, text, values.json === true);
      io.out(parsed.output);
      return parsed.code;
    }
    if (command === 'task') return await taskFiles(config, positionals.slice(1), values, io);
    if (command === 'token') return await token(config, positionals.slice(1), values, io);
    if (command === 'runner') return await runnerService(config, io);
    return command === 'migrate' ? await migrate(config, io) : await start(config, io);
  } catch (e) {
    if (e instanceof StartupError) {
      io.err(`switchboard: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
