import { api } from '../api.js';
import { ago, announce, h } from '../dom.js';

function probeView(p) {
  if (!p) return h('p', { class: 'meta' }, 'Not probed since the gateway started.');
  return h(
    'div',
    {},
    h('p', { class: 'meta' }, `${p.ok ? 'Healthy' : 'Problems'} · last seen ${ago(p.checked_at)}`),
    h(
      'ul',
      { class: 'checks' },
      p.checks.map((c) =>
        h('li', { class: c.ok ? 'ok' : 'bad' }, `${c.ok ? '✓' : '✗'} ${c.label}: ${c.detail}`),
      ),
    ),
  );
}

/** Where work runs: each host (reachability, CLIs installed) and each runner (last seen). */
export async function mount(main) {
  const section = h('section', { class: 'hosts' });
  main.append(section);
  const load = async () => {
    const [{ hosts }, runners] = await Promise.all([api('/api/hosts'), api('/api/runners')]);
    section.replaceChildren(
      h('h2', {}, 'Hosts'),
      h(
        'ul',
        { class: 'cards' },
        hosts.map((host) => {
          const body = h('div', {}, probeView(host.probe));
          return h(
            'li',
            { class: 'card', 'data-host': host.name },
            h('h3', {}, host.name),
            h(
              'p',
              { class: 'meta' },
              host.address ?? 'this machine (no SSH)',
              host.labels.length ? ` · ${host.labels.join(', ')}` : '',
            ),
            body,
            h(
              'button',
              {
                type: 'button',
                'aria-label': `Check now: ${host.name}`,
                onclick: async (e) => {
                  const button = e.currentTarget;
                  button.disabled = true;
                  try {
                    const r = await api(`/api/hosts/${encodeURIComponent(host.name)}/probe`, {
                      method: 'POST',
                    });
                    body.replaceChildren(probeView(r.probe));
                  } catch (err) {
                    announce(err.message);
                  } finally {
                    button.disabled = false;
                  }
                },
              },
              'Check now',
            ),
          );
        }),
      ),
      h('h2', {}, 'Runners'),
      h(
        'ul',
        { class: 'cards' },
        runners.embedded
          ? h(
              'li',
              { class: 'card' },
              h('h3', {}, 'Embedded runner'),
              h('p', { class: 'meta' }, `${runners.embedded} · runs inside the gateway`),
            )
          : null,
        runners.runners.map((r) =>
          h(
            'li',
            { class: 'card' },
            h('h3', {}, r.name),
            h(
              'p',
              { class: 'meta' },
              `${r.hosts.length ? `serves ${r.hosts.join(', ')}` : 'serves no host'} · last seen ${ago(r.last_seen_at)}`,
            ),
          ),
        ),
        !runners.embedded && runners.runners.length === 0
          ? h('li', { class: 'empty' }, 'No runner: queued work waits.')
          : null,
      ),
    );
  };
  await load();
}
