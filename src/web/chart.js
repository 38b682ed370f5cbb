// The 30-day spend chart as inline SVG: one bar per UTC day against the daily limit.

const NS = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 160;
const PAD = { top: 12, right: 8, bottom: 22, left: 34 };

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function spendChart({ days, day_threshold_usd: limit }) {
  const top = Math.max(limit * 1.15, ...days.map((d) => d.spent_usd)) || 1;
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const y = (usd) => PAD.top + ih - (usd / top) * ih;
  const bw = iw / days.length;
  const total = days.reduce((a, d) => a + d.spent_usd, 0);
  const over = days.filter((d) => d.spent_usd >= limit).length;
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'chart',
    role: 'img',
    'aria-labelledby': 'chart-title',
  });
  svg.append(
    s(
      'title',
      { id: 'chart-title' },
      `Spend per day over the last ${days.length} days: $${total.toFixed(2)} in total, ` +
        `${over} day(s) at or over the $${limit.toFixed(2)} daily limit.`,
    ),
  );
  for (const v of [0, limit / 2, limit]) {
    svg.append(
      s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }),
      s(
        'text',
        { x: PAD.left - 4, y: y(v) + 3, class: 'axis', 'text-anchor': 'end' },
        `$${v.toFixed(0)}`,
      ),
    );
  }
  days.forEach((d, i) => {
    const hgt = Math.max(d.spent_usd > 0 ? 1 : 0, (d.spent_usd / top) * ih);
    const bar = s('rect', {
      x: PAD.left + i * bw + 1,
      y: PAD.top + ih - hgt,
      width: Math.max(1, bw - 2),
      height: hgt,
      class: d.spent_usd >= limit ? 'bar over' : 'bar',
    });
    bar.append(s('title', {}, `${d.day}: $${d.spent_usd.toFixed(2)}`));
    svg.append(bar);
  });
  svg.append(
    s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(limit), y2: y(limit), class: 'limit' }),
    s(
      'text',
      { x: W - PAD.right, y: y(limit) - 3, class: 'axis limit-label', 'text-anchor': 'end' },
      'daily limit',
    ),
  );
  const first = days[0]?.day.slice(5) ?? '';
  const last = days.at(-1)?.day.slice(5) ?? '';
  svg.append(
    s('text', { x: PAD.left, y: H - 6, class: 'axis' }, first),
    s('text', { x: W - PAD.right, y: H - 6, class: 'axis', 'text-anchor': 'end' }, last),
  );
  return svg;
}
