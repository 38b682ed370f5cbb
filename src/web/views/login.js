import { api, ApiError } from '../api.js';
import { clear, errorPanel, h } from '../dom.js';

/** Trades the one-time secret from the bot's /login link for a session cookie. */
export async function signInWithLink(main, token, onSignedIn) {
  clear(main).append(h('p', { class: 'panel', role: 'status' }, 'Signing you in…'));
  try {
    await api('/auth/link', { method: 'POST', body: { token } });
    await onSignedIn();
  } catch (e) {
    clear(main);
    if (e instanceof ApiError && e.status === 0) return void main.append(errorPanel(e));
    loginView(main, { onSignedIn, problem: e.message });
  }
}

/** Signed out: how to get a link, and the admin token as the fallback. */
export function loginView(main, { onSignedIn, problem = null }) {
  const input = h('input', {
    id: 'admin-token',
    type: 'password',
    name: 'token',
    autocomplete: 'current-password',
    required: true,
  });
  const status = h('p', { class: 'form-error', role: 'alert' }, problem ?? '');
  const form = h(
    'form',
    {
      class: 'panel login',
      onsubmit: async (e) => {
        e.preventDefault();
        status.textContent = '';
        try {
          await api('/auth/token', { method: 'POST', body: { token: input.value } });
          input.value = '';
          await onSignedIn();
        } catch (err) {
          status.textContent = err.message;
        }
      },
    },
    h('h2', {}, 'Sign in'),
    h(
      'p',
      {},
      'Send ',
      h('code', {}, '/login'),
      ' to the Switchboard bot in Telegram and open the link it sends (it works once, for 5 minutes).',
    ),
    status,
    h('label', { for: 'admin-token' }, 'Or use the admin token'),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in with token'),
  );
  main.append(form);
}
