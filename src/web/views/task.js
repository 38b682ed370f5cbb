import { api } from '../api.js';
import { announce, append, h, isTerminal, statusBadge, taskTitle, time, usd } from '../dom.js';
import * as live from '../live.js';
import { renderMermaid } from '../mermaid-view.js';
import { approvalControls } from './approvals.js';

const ms = (n) =>
  n === null || n === undefined ? '—' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;

function stageItem(s) {
  return h(
    'li',
    { class: `stage outcome-${s.outcome ?? 'running'}` },
    h('strong', {}, `Attempt ${s.attempt}`),
    ` ${s.executor ?? 'shell'} on ${s.host ?? '—'}: ${s.outcome ?? 'running'}`,
    s.exit_code !== null && s.exit_code !== undefined ? `, exit ${s.exit_code}` : '',
    s.error_class ? ` (${s.error_class.replace(/_/g, ' ')})` : '',
    h(
      'span',
      { class: 'meta' },
      ` ${ms(s.latency_ms)} · ${usd(s.cost_usd)} · ${time(s.started_at)}`,
    ),
  );
}

function approvalItem(a) {
  const who = a.decided_by ? ` by ${a.decided_by} via ${a.decided_channel}` : '';
  return h(
    'li',
    {},
    h('strong', {}, a.status),
    ` ${a.gate.replace('_', ' ')} gate${who}`,
    h('span', { class: 'meta' }, ` ${time(a.decided_at ?? a.requested_at)}`),
    a.reason ? h('p', {}, a.reason) : null,
  );
}

/** One task: what it is, each attempt, the live output, the result diagram, the decisions. */
export async function mount(main, { arg: id }) {
  const root = h('section', { class: 'task-detail' });
  const logTail = h('pre', { class: 'log', 'aria-label': 'Live output', tabindex: 0 });
  const diagram = h('div', { class: 'diagram', id: 'diagram' });
  const summary = h('p', { class: 'summary' });
  main.append(root);
  let current = null;

  const draw = async () => {
    const t = await api(`/api/tasks/${encodeURIComponent(id)}`);
    current = t;
    const last = t.stages.at(-1);
    if (!logTail.textContent) logTail.textContent = last?.stdout_tail || last?.stderr_tail || '';
    const actions = h(
      'div',
      { class: 'actions' },
      !isTerminal(t.status) &&
        h('button', { type: 'button', onclick: () => act('cancel', 'Cancelled') }, 'Cancel task'),
      isTerminal(t.status) &&
        h('button', { type: 'button', onclick: () => rerun() }, 'Re-run task'),
    );
    root.replaceChildren();
    append(root, [
      h('p', {}, h('a', { href: '#/tasks' }, '← All tasks')),
      h('h2', {}, taskTitle(t)),
      h(
        'p',
        { class: 'meta' },
        statusBadge(t.status),
        ` ${t.kind} · risk ${t.risk} · by ${t.requester} via ${t.channel} · cost ${usd(t.cost_usd)}`,
        t.tokens_in || t.tokens_out ? ` · ${t.tokens_in} in / ${t.tokens_out} out tokens` : '',
      ),
      t.status === 'awaiting_approval' ? approvalControls(t, draw) : null,
      actions,
      h('h3', {}, 'Result'),
      summary,
      diagram,
      h('h3', {}, 'Output'),
      logTail,
      h('h3', {}, 'Stages'),
      t.stages.length
        ? h('ol', { class: 'timeline' }, t.stages.map(stageItem))
        : h('p', { class: 'empty' }, 'Not started yet.'),
      h('h3', {}, 'Approvals'),
      t.approvals.length
        ? h('ul', { class: 'approvals' }, t.approvals.map(approvalItem))
        : h('p', { class: 'empty' }, 'No gate: it ran without approval.'),
    ]);
    if (t.stages.length) {
      const r = await api(`/api/tasks/${encodeURIComponent(id)}/result`);
      summary.textContent = r.summary;
      await renderMermaid(diagram, r.mermaid, `Diagram: ${r.summary}`);
    } else {
      summary.textContent = 'No result yet.';
    }
  };

  async function act(verb, done) {
    try {
      await api(`/api/tasks/${current.id}/${verb}`, { method: 'POST' });
      announce(done);
    } catch (e) {
      announce(e.message);
    }
  }

  async function rerun() {
    try {
      const t = await api(`/api/tasks/${current.id}/rerun`, { method: 'POST' });
      location.hash = `#/task/${t.id}`;
    } catch (e) {
      announce(e.message);
    }
  }

  await draw();
  const stops = [
    live.on('task.changed', ({ task }) => {
      if (task.id === id) void draw();
    }),
    live.on('task.progress', (p) => {
      if (p.task_id === id) logTail.textContent = p.output_tail;
    }),
  ];
  return () => stops.forEach((s) => s());
}
