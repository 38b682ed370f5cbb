import { api } from '../api.js';
import { announce, h, taskTitle, time } from '../dom.js';
import * as live from '../live.js';
import { enableNotificationsControl } from '../notifications.js';

let fieldSeq = 0;

/**
 * Approve / Reject for a task behind a gate. High risk (SPEC §3.1) needs the exact phrase
 * typed; the button stays disabled until it matches.
 */
export function approvalControls(task, onDone) {
  const box = h('form', { class: 'approve', 'data-task': task.id });
  const pending = async () =>
    (task.approvals ?? (await api(`/api/tasks/${task.id}`)).approvals).findLast(
      (a) => a.status === 'pending',
    );
  // A guess at free text (gate "confirm") is run or dropped, not approved or rejected.
  const guess = task.gate === 'confirm';
  const decide = async (verb, body) => {
    try {
      await api(`/api/tasks/${task.id}/${verb}`, { method: 'POST', body });
      announce(
        { approve: guess ? 'Running' : 'Approved', reject: 'Rejected', cancel: 'Cancelled' }[verb],
      );
      await onDone?.();
    } catch (e) {
      announce(e.message);
      box.querySelector('.form-error').textContent = e.message;
    }
  };
  const approve = h('button', { type: 'submit', class: 'primary' }, guess ? 'Run' : 'Approve');
  const reject = h(
    'button',
    { type: 'button', onclick: () => decide(guess ? 'cancel' : 'reject', {}) },
    guess ? 'Cancel' : 'Reject',
  );
  const error = h('p', { class: 'form-error', role: 'alert' });
  box.append(h('div', { class: 'actions' }, approve, reject), error);
  approve.setAttribute('aria-label', `Approve: ${taskTitle(task)}`);
  reject.setAttribute('aria-label', `Reject: ${taskTitle(task)}`);
  box.addEventListener('submit', (e) => {
    e.preventDefault();
    const phrase = box.querySelector('input')?.value;
    void decide('approve', phrase === undefined ? {} : { phrase });
  });
  if (task.gate === 'typed_phrase') {
    approve.disabled = true;
    void pending().then((a) => {
      const phrase = a?.required_phrase ?? '';
      const id = `phrase-${++fieldSeq}`;
      const input = h('input', {
        id,
        autocomplete: 'off',
        autocapitalize: 'characters',
        spellcheck: 'false',
      });
      input.addEventListener('input', () => {
        approve.disabled = input.value.trim() !== phrase;
      });
      box.prepend(h('label', { for: id }, 'Type ', h('code', {}, phrase), ' to approve'), input);
      if (a) box.append(h('p', { class: 'meta' }, `Expires ${time(a.expires_at)}`));
    });
  }
  return box;
}

/** Everything waiting for a decision: tasks behind a gate, and programs asking to connect. */
export async function mount(main) {
  const list = h('ul', { class: 'inbox', 'aria-label': 'Waiting for approval' });
  const consents = h('ul', { class: 'inbox', 'aria-label': 'Connection requests' });
  main.append(
    h(
      'section',
      {},
      h('h2', {}, 'Approvals'),
      list,
      consents,
      h('h3', {}, 'Notifications'),
      enableNotificationsControl(),
    ),
  );
  const load = async () => {
    const { items } = await api('/api/tasks?status=awaiting_approval&limit=50');
    list.replaceChildren(
      ...items.map((t) =>
        h(
          'li',
          { class: 'card', 'data-task': t.id },
          h('a', { href: `#/task/${t.id}` }, h('strong', {}, taskTitle(t))),
          h('p', { class: 'meta' }, `risk ${t.risk} · ${t.risk_reason} · by ${t.requester}`),
          approvalControls(t, load),
        ),
      ),
    );
    if (items.length === 0) list.append(h('li', { class: 'empty' }, 'Nothing waits for you.'));
  };
  await load();
  const stops = [
    live.on('approval.requested', () => void load()),
    live.on('task.changed', ({ task, from }) => {
      if (task.status === 'awaiting_approval' || from === 'awaiting_approval') void load();
    }),
    live.on('reset', () => void load()),
    live.on('oauth.consent_requested', (g) => consents.append(consentItem(g))),
    live.on('oauth.consent_expired', ({ grant_id }) => {
      const item = [...consents.children].find((li) => li.dataset.grant === grant_id);
      item?.replaceChildren(h('p', {}, 'This connection request expired.'));
    }),
  ];
  return () => stops.forEach((s) => s());
}

/** An MCP client asks to connect (OAuth): Allow or Deny, owners only (the server checks). */
function consentItem(g) {
  const item = h('li', { class: 'card', 'data-grant': g.grant_id });
  const decide = async (allow) => {
    try {
      await api(`/api/oauth/grants/${g.grant_id}/decision`, { method: 'POST', body: { allow } });
      item.replaceChildren(h('p', {}, `${g.client_name}: ${allow ? 'allowed' : 'denied'}.`));
    } catch (e) {
      announce(e.message);
    }
  };
  item.append(
    h('p', {}, h('strong', {}, g.client_name), ` asks to connect (returns to ${g.redirect_uri}).`),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'aria-label': `Allow ${g.client_name}`,
          onclick: () => decide(true),
        },
        'Allow',
      ),
      h(
        'button',
        { type: 'button', 'aria-label': `Deny ${g.client_name}`, onclick: () => decide(false) },
        'Deny',
      ),
    ),
  );
  return item;
}
