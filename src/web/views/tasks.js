import { api } from '../api.js';
import { ago, h, statusBadge, taskTitle, usd } from '../dom.js';
import * as live from '../live.js';

const PAGE = 50;

export function row(t) {
  return h(
    'li',
    { class: 'task-row', 'data-task': t.id, 'data-status': t.status },
    h(
      'a',
      { href: `#/task/${t.id}` },
      h('span', { class: 'title' }, taskTitle(t)),
      h(
        'span',
        { class: 'meta' },
        statusBadge(t.status),
        ` ${usd(t.cost_usd)} · ${ago(t.updated_at)}`,
      ),
    ),
  );
}

/** Every task, newest first, kept current by the event stream. */
export async function mount(main) {
  const list = h('ul', { class: 'task-list', 'aria-label': 'Tasks' });
  main.append(h('section', {}, h('h2', {}, 'Tasks'), list));
  const rows = new Map();
  const put = (t) => {
    const node = row(t);
    const old = rows.get(t.id);
    rows.set(t.id, node);
    if (old) old.replaceWith(node);
    else list.prepend(node);
  };
  const load = async () => {
    const { items } = await api(`/api/tasks?limit=${PAGE}`);
    rows.clear();
    list.replaceChildren();
    for (const t of [...items].reverse()) put(t);
    if (items.length === 0)
      list.append(h('li', { class: 'empty' }, 'No tasks yet: send one from the chat.'));
  };
  await load();
  const stops = [
    live.on('task.changed', ({ task }) => {
      list.querySelector('.empty')?.remove();
      put(task);
    }),
    live.on('reset', () => void load()),
  ];
  return () => stops.forEach((s) => s());
}
