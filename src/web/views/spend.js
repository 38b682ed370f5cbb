import { api } from '../api.js';
import { announce, h, usd } from '../dom.js';
import * as live from '../live.js';
import { spendChart } from '../chart.js';

const NAMES = { day: 'Today (UTC)', month: 'This month', task: 'Task' };

function breakerCard(b, session, reload) {
  const pct = Math.min(100, (b.spent_usd / b.threshold_usd) * 100 || 0);
  return h(
    'li',
    { class: `card breaker breaker-${b.state}`, 'data-scope': b.scope },
    h('h3', {}, `${NAMES[b.scope] ?? b.scope} · ${b.period}`),
    h(
      'p',
      {},
      h('span', { class: `badge state-${b.state}` }, b.state),
      ` ${usd(b.spent_usd)} of ${usd(b.threshold_usd)}`,
      b.reserved_usd ? ` (+${usd(b.reserved_usd)} reserved)` : '',
    ),
    h('meter', {
      min: 0,
      max: 100,
      value: pct.toFixed(0),
      high: 80,
      'aria-label': `${NAMES[b.scope] ?? b.scope} spend, ${pct.toFixed(0)}% of the limit`,
    }),
    b.overridden_by ? h('p', { class: 'meta' }, `Overridden by ${b.overridden_by}`) : null,
    b.scope === 'day' && b.state === 'open' && !b.overridden_by && session.role === 'owner'
      ? h(
          'button',
          {
            type: 'button',
            onclick: async () => {
              await api('/api/breakers/day/override', { method: 'POST' }).catch((e) =>
                announce(e.message),
              );
              await reload();
            },
          },
          'Override the daily limit',
        )
      : null,
  );
}

/** Breaker states and the last 30 days of spend against the limits. */
export async function mount(main, { session }) {
  const section = h('section', { class: 'spend' });
  main.append(section);
  const load = async () => {
    const [{ breakers }, spend] = await Promise.all([
      api('/api/breakers'),
      api('/api/spend?days=30'),
    ]);
    section.replaceChildren(
      h('h2', {}, 'Spend'),
      h(
        'ul',
        { class: 'breakers' },
        breakers.map((b) => breakerCard(b, session, load)),
      ),
      h('h3', {}, 'Last 30 days'),
      h(
        'figure',
        {},
        spendChart(spend),
        h(
          'figcaption',
          {},
          `This month: ${usd(spend.month_spent_usd)} of ${usd(spend.month_threshold_usd)} (flag)`,
        ),
      ),
    );
  };
  await load();
  return live.on('breaker.alert', () => void load());
}
