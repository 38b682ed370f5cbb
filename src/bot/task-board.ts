import type { Api } from 'grammy';
import { SYSTEM_ACTOR } from '../core/actor.js';
import type { ChatMessageLink } from '../core/chat/chat-state.js';
import type { CoreDeps } from '../core/deps.js';
import type { Breaker } from '../core/breaker.js';
import type { DomainEvent } from '../core/events.js';
import type { Notifier } from '../core/ports/notifier.js';
import type { ChatStore } from '../core/ports/chat-store.js';
import type { Logger } from '../core/ports/logger.js';
import { getTask, type TaskDetail } from '../core/use-cases/get-task.js';
import { isTerminal, type Task } from '../core/task.js';
import type { Member } from './context.js';
import { createPermissionCards } from './permission-cards.js';
import { editRich, sendRich, sendTextFile } from './send.js';
import { getTaskOutput } from '../core/use-cases/get-task-output.js';
import { completionLine, isLongOutput, outputFile } from './views/completion.js';
import { breakerAlert } from './views/overview.js';
import { consentCard, consentExpired } from './views/consent-card.js';
import { oauthSubject } from '../core/use-cases/oauth-consent.js';
import { consensusMessage } from './views/consensus-message.js';
import { consensusReport } from '../core/use-cases/consensus-report.js';
import { ladderTaskOf } from '../core/use-cases/advance-consensus-rung.js';
import { executorReasonOf } from '../core/use-cases/default-executor.js';
import { escalationHistory } from '../core/use-cases/escalation-history.js';
import { ladderMessage } from './views/ladder-message.js';
import type { OAuthClient, OAuthGrant } from '../core/ports/oauth-store.js';
import { taskCard, requestText, REQUEST_IN_CARD_CHARS, type Card } from './views/task-card.js';

/** The chat side of state changes: each task's messages follow it, edits paced per message. */
export interface TaskBoard extends Notifier {
  /**
   * A handler just linked a message to this task: render it soon. `shown` is what that message
   * already says, so an unchanged card costs no edit.
   */
  track(taskId: string, shown?: { chatId: number; messageId: number; card: Card }): void;
  /** Resolves when no render or send is pending or running (tests, shutdown, a Worker's waitUntil). */
  idle(): Promise<void>;
  stop(): void;
}

export interface TaskBoardOptions {
  readonly members: readonly Member[];
  readonly taskHaltUsd: number;
  /** The web app's public URL, for the link to a finished task's page (https only). */
  readonly publicUrl?: string | null | undefined;
  /** Telegram tolerates about one edit per second per chat; live progress takes one per ~3 s. */
  readonly editEveryMs?: number | undefined;
}

type Deps = Pick<
  CoreDeps,
  | 'tasks'
  | 'stages'
  | 'approvals'
  | 'audit'
  | 'clock'
  | 'ids'
  | 'pipelines'
  | 'workflows'
  | 'catalog'
>;

const MAX_TAIL_CHARS = 4_000;

interface MessageState {
  rendered: string;
  editedAt: number;
}

export function createTaskBoard(
  api: Api,
  deps: { readonly core: Deps; readonly chats: ChatStore; readonly log: Logger },
  options: TaskBoardOptions,
): TaskBoard {
  const every = options.editEveryMs ?? 3_000;
  const tails = new Map<string, string>();
  const handoffs = new Map<string, string>();
  const messages = new Map<string, MessageState>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const announced = new Set<string>();
  /** Sends that run beside the state change that caused them; idle() waits for them too. */
  const chores = new Set<Promise<unknown>>();
  const spawn = (p: Promise<unknown>) => {
    chores.add(p);
    void p.finally(() => chores.delete(p));
  };
  let stopped = false;
  /** Consensus pairs already reported (workflow ids). */
  const reported = new Set<string>();

  const key = (l: Pick<ChatMessageLink, 'chatId' | 'messageId'>) => `${l.chatId}:${l.messageId}`;
  const approvers = options.members.filter((m) => m.role !== 'viewer');
  const permissionCards = createPermissionCards(api, deps, options);

  function schedule(taskId: string, delayMs = 0) {
    if (stopped || timers.has(taskId)) return;
    if (running.has(taskId)) {
      again.add(taskId);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(taskId);
      let retryIn = 0;
      const run = flush(taskId)
        .then((wait) => {
          retryIn = wait;
        })
        .catch((e: unknown) =>
          deps.log.warn('telegram: could not update a task message', {
            task: taskId,
            error: String(e),
          }),
        )
        .finally(() => {
          running.delete(taskId);
          // An edit that had to wait for the pace, or news that came in meanwhile.
          if (retryIn > 0) schedule(taskId, retryIn);
          else if (again.delete(taskId)) schedule(taskId);
        });
      running.set(taskId, run);
    }, delayMs);
    timers.set(taskId, timer);
  }

  async function detail(taskId: string): Promise<TaskDetail | null> {
    const r = await getTask({ deps: deps.core, actor: SYSTEM_ACTOR, input: { taskId } });
    return r.ok ? r.value : null;
  }

  function render(d: TaskDetail) {
    return taskCard({
      task: d.task,
      stage: d.stages.at(-1) ?? null,
      approval: d.approvals.at(-1) ?? null,
      tail: tails.get(d.task.id) ?? null,
      now: deps.core.clock.now(),
      nameOf: (id) => id,
      handoff: handoffs.get(d.task.id),
      taskHaltUsd: options.taskHaltUsd,
      executorReason: executorReasonOf(d.audit),
      publicUrl: options.publicUrl,
    });
  }

  /** Brings every message of the task up to date; returns how long until it may edit again. */
  async function flush(taskId: string): Promise<number> {
    const [d, links] = await Promise.all([detail(taskId), deps.chats.messagesOf(taskId)]);
    if (!d) return 0;
    const card = render(d);
    const now = Date.now();
    let wait = 0;
    for (const link of links) {
      // An approver's card is for deciding: once decided it shows the outcome, no buttons.
      const keyboard =
        link.kind === 'approval' && d.task.status !== 'awaiting_approval' ? [] : card.keyboard;
      const rendered = JSON.stringify([card.text, keyboard]);
      const state = messages.get(key(link));
      if (state?.rendered === rendered) continue;
      const due = (state?.editedAt ?? 0) + every - now;
      if (due > 0) {
        wait = Math.max(wait, due);
        continue;
      }
      const result = await editRich(api, link.chatId, link.messageId, card.text, keyboard);
      messages.set(key(link), { rendered, editedAt: Date.now() });
      if (result === 'gone') deps.log.info('telegram: a task message is gone', { task: taskId });
    }
    // The notification comes after the card shows the end, never before.
    if (wait > 0) return wait;
    if (isTerminal(d.task.status)) {
      tails.delete(taskId);
      await announce(d, links);
    }
    return 0;
  }

  /** One notification at the end (progress edits are silent), with long output attached. */
  async function announce(d: TaskDetail, links: readonly ChatMessageLink[]) {
    if (announced.has(d.task.id)) return;
    const progress = links.find((l) => l.kind === 'progress');
    // A chat task can finish before its card is linked; the link's own render announces it.
    if (!progress && d.task.channel === 'telegram') return;
    announced.add(d.task.id);
    const targets = progress
      ? [{ chatId: progress.chatId, replyTo: progress.messageId }]
      : d.task.channel === 'telegram' || d.task.channel === 'system'
        ? []
        : (await deps.chats.subscribedChats()).map((chatId) => ({ chatId, replyTo: undefined }));
    if (!targets.length) return;
    const line = completionLine(d.task, d.stages.at(-1) ?? null);
    const stored = await getTaskOutput({
      deps: deps.core,
      actor: SYSTEM_ACTOR,
      input: { taskId: d.task.id },
    });
    const file =
      stored.ok && isLongOutput(stored.value.output)
        ? outputFile(d.task, stored.value.output)
        : null;
    for (const t of targets) {
      if (file)
        await sendTextFile(api, t.chatId, file.name, file.content, line.text, {
          replyTo: t.replyTo,
        });
      else await sendRich(api, t.chatId, line, { replyTo: t.replyTo });
    }
  }

  /** A gate on work that did not start in Telegram: every approver gets a card. */
  async function requestApproval(task: Task, handoff: string | undefined) {
    if (handoff) handoffs.set(task.id, handoff);
    if (task.channel === 'telegram') return;
    const d = await detail(task.id);
    if (!d) return;
    const card = render(d);
    for (const m of approvers) {
      try {
        if (requestText(task).length > REQUEST_IN_CARD_CHARS) {
          await sendTextFile(
            api,
            m.telegramId,
            `${task.id}.request.txt`,
            requestText(task),
            'The full request',
            { silent: true },
          );
        }
        const [sent] = (
          await sendRich(api, m.telegramId, card.text, { keyboard: card.keyboard })
        ).slice(-1);
        if (!sent) continue;
        await deps.chats.linkMessage({
          chatId: m.telegramId,
          messageId: sent.message_id,
          taskId: task.id,
          kind: 'approval',
          createdAt: deps.core.clock.now().toISOString(),
        });
        messages.set(key({ chatId: m.telegramId, messageId: sent.message_id }), {
          rendered: JSON.stringify([card.text, card.keyboard]),
          editedAt: Date.now(),
        });
      } catch (e) {
        // An approver who never opened the bot cannot be messaged; the others still can.
        deps.log.warn('telegram: could not send an approval card', {
          to: m.name,
          error: String(e),
        });
      }
    }
  }

  /** A program asks to connect: every owner gets the question (only owners may answer it). */
  async function askConsent(client: OAuthClient, grant: OAuthGrant) {
    const card = consentCard(client, grant);
    for (const m of options.members.filter((x) => x.role === 'owner')) {
      try {
        const [sent] = (
          await sendRich(api, m.telegramId, card.text, { keyboard: card.keyboard })
        ).slice(-1);
        // Stored, not kept in memory: the sweep that expires it may run in another process.
        if (sent) {
          await deps.chats.linkMessage({
            chatId: m.telegramId,
            messageId: sent.message_id,
            taskId: oauthSubject(grant.id),
            kind: 'consent',
            createdAt: deps.core.clock.now().toISOString(),
          });
        }
      } catch (e) {
        deps.log.warn('telegram: could not send a connect request', {
          to: m.name,
          error: String(e),
        });
      }
    }
  }

  /** A connect request lapsed: its cards lose their buttons and say so. */
  async function consentExpiredCards(grant: OAuthGrant, clientName: string | null) {
    const text = consentExpired(clientName);
    for (const l of await deps.chats.messagesOf(oauthSubject(grant.id))) {
      await editRich(api, l.chatId, l.messageId, text, []).catch((e: unknown) =>
        deps.log.warn('telegram: could not update a connect card', { error: String(e) }),
      );
    }
  }

  /**
   * A task of a consensus pair ended (or its card was just linked): once both have ended,
   * the comparison goes to the chats that asked (their progress messages), once per pair.
   */
  async function reportConsensus(task: Pick<Task, 'id'>) {
    const r = await consensusReport({
      deps: deps.core,
      actor: SYSTEM_ACTOR,
      input: { taskId: task.id },
    });
    if (!r.ok || !r.value || reported.has(r.value.workflowId)) return;
    const { workflowId } = r.value;
    // A consensus rung's sides have no cards: the report goes under the climbing task's.
    const owners = r.value.runs.map((t) => ladderTaskOf(t.requester) ?? t.id);
    const links = (await Promise.all(owners.map((id) => deps.chats.messagesOf(id))))
      .flat()
      .filter((l) => l.kind === 'progress');
    // Quick answers can end before their cards are even sent (Telegram paces a chat): then
    // the report waits for `track`, which runs once a card is linked.
    if (!links.length || reported.has(workflowId)) return;
    reported.add(workflowId);
    const message = consensusMessage(r.value);
    const chats = new Map(links.map((l) => [l.chatId, l.messageId]));
    for (const [chatId, replyTo] of chats) {
      await sendRich(api, chatId, message.text, { replyTo });
      if (message.longDiff) {
        await sendTextFile(api, chatId, 'consensus.diff.txt', message.longDiff, 'The whole diff', {
          silent: true,
        });
      }
    }
  }

  /**
   * An escalating task ran out of ladder: each operator (owners and approvers) gets the
   * history and the choice, as a reply to the task's card where it has one in their chat.
   */
  async function escalationEnded(task: Task) {
    const h = await escalationHistory({
      deps: deps.core,
      actor: SYSTEM_ACTOR,
      input: { taskId: task.id },
    });
    if (!h.ok) return;
    const view = ladderMessage(h.value);
    const cards = new Map(
      (await deps.chats.messagesOf(task.id))
        .filter((l) => l.kind === 'progress')
        .map((l) => [l.chatId, l.messageId]),
    );
    for (const m of approvers) {
      await sendRich(api, m.telegramId, view.text, {
        keyboard: view.keyboard,
        replyTo: cards.get(m.telegramId),
      }).catch((e: unknown) =>
        deps.log.warn('telegram: could not send the end of a ladder', {
          to: m.name,
          error: String(e),
        }),
      );
    }
  }

  /** Spend alerts go to every subscribed chat, with sound: they ask for attention. */
  async function alert(breaker: Breaker) {
    const text = breakerAlert(breaker);
    for (const chatId of await deps.chats.subscribedChats()) {
      await sendRich(api, chatId, text).catch((e: unknown) =>
        deps.log.warn('telegram: could not send a breaker alert', {
          chat: chatId,
          error: String(e),
        }),
      );
    }
  }

  return {
    async notify(event: DomainEvent) {
      if (stopped) return;
      switch (event.type) {
        case 'task.progress': {
          // Each report carries the latest tail of the output, not just what is new.
          tails.set(event.task.id, event.outputTail.slice(-MAX_TAIL_CHARS));
          schedule(event.task.id);
          return;
        }
        case 'approval.requested':
          // Sending never blocks the state change that caused it.
          spawn(
            requestApproval(event.task, event.handoff).catch((e: unknown) =>
              deps.log.warn('telegram: approval cards failed', { error: String(e) }),
            ),
          );
          return;
        case 'task.changed':
          schedule(event.task.id);
          if (isTerminal(event.task.status) && event.task.kind === 'agent') {
            spawn(
              reportConsensus(event.task).catch((e: unknown) =>
                deps.log.warn('telegram: consensus report failed', { error: String(e) }),
              ),
            );
          }
          return;
        case 'task.escalation_ended':
          void escalationEnded(event.task).catch((e: unknown) =>
            deps.log.warn('telegram: ladder message failed', { error: String(e) }),
          );
          return;
        case 'oauth.consent_requested':
          spawn(askConsent(event.client, event.grant));
          return;
        case 'oauth.consent_expired':
          spawn(
            consentExpiredCards(event.grant, event.clientName).catch((e: unknown) =>
              deps.log.warn('telegram: connect cards failed', { error: String(e) }),
            ),
          );
          return;
        case 'permission.requested':
        case 'permission.decided':
          spawn(permissionCards.notify(event));
          return;
        case 'breaker.alert':
          spawn(
            alert(event.breaker).catch((e: unknown) =>
              deps.log.warn('telegram: breaker alert failed', { error: String(e) }),
            ),
          );
          return;
      }
    },
    track(taskId, shown) {
      spawn(
        reportConsensus({ id: taskId }).catch((e: unknown) =>
          deps.log.warn('telegram: consensus report failed', { error: String(e) }),
        ),
      );
      if (shown) {
        messages.set(key(shown), {
          rendered: JSON.stringify([shown.card.text, shown.card.keyboard]),
          editedAt: Date.now(),
        });
      }
      schedule(taskId);
    },
    async idle() {
      while (timers.size || running.size || chores.size) {
        await Promise.all([...running.values(), ...chores]);
        if (timers.size && !running.size && !chores.size) {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    },
    stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
