import { api } from '../api.js';
import { announce, append, h, isTerminal, statusBadge } from '../dom.js';
import * as live from '../live.js';

// The conversation survives switching views (not reloads: the tasks list has the record).
const history = [];
// Each task card's updater, by task id (cards outlive a view switch with the history).
const cards = new Map();

/**
 * The chat: the same path as a Telegram message. The text is submitted as it is parsed (low
 * risk runs at once, a guess waits for its Run button), the parsed draft is echoed, and the
 * card offers Cancel while it runs.
 */
export function mount(main) {
  const log = h('ol', { class: 'chat-log', 'aria-label': 'Conversation', 'aria-live': 'polite' });
  const input = h('textarea', {
    id: 'chat-input',
    rows: 2,
    placeholder: 'e.g. run npm test on build-vm',
    'aria-label': 'Request',
    required: true,
  });
  const form = h(
    'form',
    { class: 'composer', onsubmit: (e) => (e.preventDefault(), send(input.value)) },
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Send'),
  );
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  main.append(h('section', { class: 'chat' }, h('h2', { class: 'sr-only' }, 'Chat'), log, form));
  for (const entry of history) log.append(entry.node);
  scroll();

  function scroll() {
    log.lastElementChild?.scrollIntoView({ block: 'end' });
  }

  function say(node) {
    history.push({ node });
    log.append(node);
    scroll();
  }

  async function send(text, body = { text }) {
    if (!text.trim()) return;
    input.value = '';
    say(h('li', { class: 'msg mine' }, text));
    try {
      const task = await api('/api/tasks', { method: 'POST', body });
      say(taskCard(task));
    } catch (e) {
      say(reply(e.body?.parsed, e.message));
    }
  }

  /** Not a task: a question back with choices, or why it cannot be one. */
  function reply(parsed, message) {
    const node = h('li', { class: 'msg theirs' }, h('p', {}, parsed?.echo ?? '', ' ', message));
    if (parsed?.type === 'clarify' && parsed.choices?.length) {
      node.append(
        h(
          'div',
          { class: 'choices' },
          parsed.choices.map((c) =>
            h(
              'button',
              {
                type: 'button',
                onclick: () => send(c.label, { ...parsed.draft, [parsed.field]: c.value }),
              },
              c.label,
            ),
          ),
        ),
      );
    }
    return node;
  }

  function taskCard(task) {
    const status = h('span', {}, statusBadge(task.status));
    const actions = h('div', { class: 'actions' });
    const summary = h('p', { class: 'summary' });
    const node = h(
      'li',
      { class: 'msg theirs task-card', 'data-task': task.id },
      h('p', { class: 'echo' }, task.parsed?.echo ?? task.kind),
      h('p', { class: 'meta' }, status, ` risk ${task.risk}`),
      summary,
      actions,
    );
    const update = async (t) => {
      status.replaceChildren(statusBadge(t.status));
      actions.replaceChildren();
      append(actions, [
        h('a', { href: `#/task/${t.id}`, class: 'button' }, 'Details'),
        !isTerminal(t.status) &&
          h(
            'button',
            {
              type: 'button',
              'aria-label': 'Cancel this task',
              onclick: async () => {
                await api(`/api/tasks/${t.id}/cancel`, { method: 'POST' }).catch((e) =>
                  announce(e.message),
                );
              },
            },
            'Cancel',
          ),
        // A guess at the text waits for one Run tap, right here; a gate waits for an approver.
        t.status === 'awaiting_approval' && t.gate === 'confirm'
          ? h(
              'button',
              {
                type: 'button',
                class: 'primary',
                'aria-label': 'Run this task',
                onclick: async () => {
                  await api(`/api/tasks/${t.id}/approve`, { method: 'POST' }).catch((e) =>
                    announce(e.message),
                  );
                },
              },
              'Run',
            )
          : t.status === 'awaiting_approval' &&
            h('a', { href: '#/approvals', class: 'button primary' }, 'Review approval'),
      ]);
      if (isTerminal(t.status)) {
        const r = await api(`/api/tasks/${t.id}/result`).catch(() => null);
        if (r) summary.textContent = r.summary;
        announce(`Task ${t.status.replace('_', ' ')}`);
      }
    };
    cards.set(task.id, update);
    void update(task);
    return node;
  }

  const stop = live.on('task.changed', ({ task }) => cards.get(task.id)?.(task));
  input.focus();
  return stop;
}
