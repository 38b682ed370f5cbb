import { Composer } from 'grammy';
import { emptyChat } from '../../core/chat/chat-state.js';
import { describeError } from '../../core/errors.js';
import { commandToArgv } from '../../core/intent/shell-words.js';
import { listTasks } from '../../core/use-cases/list-tasks.js';
import { overrideBreaker } from '../../core/use-cases/override-breaker.js';
import { submitTask } from '../../core/use-cases/submit-task.js';
import type { TaskDraft } from '../../core/task-draft.js';
import type { BotContext } from '../context.js';
import type { BotConfig, BotDeps } from '../deps.js';
import { postTask, showTask } from '../post-task.js';
import { sendRich } from '../send.js';
import { bold, lines } from '../views/rich-text.js';
import { breakerLine, taskList } from '../views/overview.js';
import { createLoginLink, LOGIN_LINK_TTL_MIN } from '../login-link.js';
import { cancelByRef, overview, spend } from './queries.js';

/** Registered with setMyCommands, so the phone's "/" menu lists them. */
export const COMMANDS = [
  { command: 'status', description: 'What is running, queued, and the breakers' },
  { command: 'tasks', description: 'Recent tasks' },
  { command: 'task', description: 'One task: /task <id>' },
  { command: 'cancel', description: 'Cancel a task: /cancel <id>' },
  { command: 'run', description: 'A command on a host: /run <host> <command…>' },
  { command: 'ask', description: 'A prompt to an agent: /ask <executor> <prompt>' },
  { command: 'hosts', description: 'The machines I can run on' },
  { command: 'breakers', description: 'Spend limits and their state' },
  { command: 'override', description: 'Owners: let work through today’s spend limit' },
  { command: 'spend', description: 'Spend today and this month' },
  { command: 'login', description: 'A one-time link to the web app' },
  { command: 'help', description: 'What I understand' },
] as const;

const HELP = lines(
  bold('Just say what you want done:'),
  '• ask codex to fix the flaky login test in api',
  '• claude: summarise the open TODOs in backend',
  '• run `git status` on build-vm',
  '• deploy klm to staging',
  '• what’s running? · spend today · cancel 3f9a2c1b · retry 3f9a2c1b',
  '',
  'Risky work waits for your Approve tap; production needs the phrase DEPLOY TO PRODUCTION as a reply to its card. What I can only guess at waits for your Run tap. Reply to a result to continue the same agent session.',
  'In a group, mention me (@name …) or reply to my messages; other talk there is not for me.',
);

export function commands(deps: BotDeps, config: BotConfig) {
  const composer = new Composer<BotContext>();
  const { core, chats } = deps;
  const arg = (ctx: BotContext) => (typeof ctx.match === 'string' ? ctx.match.trim() : '');

  async function draft(ctx: BotContext, d: TaskDraft) {
    const r = await submitTask({ deps: core, actor: ctx.actor, input: { draft: d } });
    if (!r.ok) return void (await ctx.reply(describeError(r.error)));
    await postTask(ctx, deps, config, r.value);
  }

  composer.command('start', async (ctx) => {
    const at = core.clock.now().toISOString();
    const chat = (await chats.getChat(ctx.chat.id)) ?? emptyChat(ctx.chat.id, at);
    await chats.saveChat({ ...chat, subscribed: true, updatedAt: at });
    await sendRich(
      ctx.api,
      ctx.chat.id,
      lines(
        bold(
          `Hello ${ctx.member.name} — you are ${ctx.member.role === 'owner' ? 'an owner' : `an ${ctx.member.role}`} here.`,
        ),
        'This chat now gets task results and spend alerts.',
        '',
        HELP,
      ),
    );
  });
  composer.command('help', (ctx) => sendRich(ctx.api, ctx.chat.id, HELP));
  composer.command('status', (ctx) => overview(ctx, deps));
  composer.command(['spend'], (ctx) => spend(ctx, deps, 'both'));
  composer.command(['breakers'], (ctx) => spend(ctx, deps, 'both'));
  composer.command('override', async (ctx) => {
    const scope = arg(ctx) || 'day';
    if (scope !== 'day' && scope !== 'month') {
      return void (await ctx.reply('Usage: /override day (until midnight UTC) or /override month'));
    }
    const r = await overrideBreaker({ deps: core, actor: ctx.actor, input: { scope } });
    if (!r.ok) return void (await ctx.reply(describeError(r.error)));
    await sendRich(
      ctx.api,
      ctx.chat.id,
      lines(
        bold(scope === 'day' ? 'Overridden until midnight UTC' : 'Month flag overridden'),
        breakerLine(r.value),
      ),
    );
  });
  composer.command('tasks', async (ctx) => {
    const r = await listTasks({ deps: core, actor: ctx.actor, input: { limit: 15 } });
    if (!r.ok) return void (await ctx.reply(describeError(r.error)));
    await sendRich(ctx.api, ctx.chat.id, taskList('Recent tasks', r.value.items, 'No tasks yet.'));
  });
  composer.command('task', async (ctx) => {
    const ref = arg(ctx);
    if (!ref) return void (await ctx.reply('Which task? /task <id>'));
    await showTask(ctx, deps, config, ref);
  });
  composer.command('cancel', async (ctx) => {
    const ref = arg(ctx);
    if (!ref) return void (await ctx.reply('Which task? /cancel <id>'));
    await cancelByRef(ctx, deps, ref);
  });
  composer.command('hosts', (ctx) =>
    sendRich(
      ctx.api,
      ctx.chat.id,
      lines(
        bold('Hosts'),
        '• local — this machine',
        ...config.hosts.map((h) => `• ${h.name} — ${h.address}`),
      ),
    ),
  );
  composer.command('run', async (ctx) => {
    const [host, ...rest] = arg(ctx).split(/\s+/);
    const argv = commandToArgv(rest.join(' '));
    if (!host || !argv) return void (await ctx.reply('Usage: /run <host> <command…>'));
    await draft(ctx, { kind: 'shell', host, argv });
  });
  composer.command('ask', async (ctx) => {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(arg(ctx));
    if (!m?.[1] || !m[2]) return void (await ctx.reply('Usage: /ask <executor> <prompt>'));
    await draft(ctx, { kind: 'agent', executor: m[1], prompt: m[2] });
  });
  composer.command('login', async (ctx) => {
    if (ctx.chat.type !== 'private') {
      return void (await ctx.reply('Ask me for /login in a private chat: the link signs you in.'));
    }
    if (!config.publicUrl) {
      return void (await ctx.reply(
        'The web app needs a public URL (public_url in the config); none is set.',
      ));
    }
    const link = await createLoginLink(deps, ctx.member.name, core.clock.now());
    await ctx.reply(
      `Your one-time sign-in link for the web app (valid ${LOGIN_LINK_TTL_MIN} minutes, works once):\n` +
        `${config.publicUrl}/login#${link}`,
      { link_preview_options: { is_disabled: true }, protect_content: true },
    );
  });
  return composer;
}
