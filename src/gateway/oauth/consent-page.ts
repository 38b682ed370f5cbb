import { html, raw } from 'hono/html';

/** A string as a JS literal inside <script>: JSON, with `<` escaped so it cannot end the tag. */
const jsString = (s: string) => raw(JSON.stringify(s).replaceAll('<', '\\u003c'));

const page = (title: string, body: ReturnType<typeof html>) =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="color-scheme" content="light dark" />
        <title>${title} · Switchboard</title>
        <style>
          body {
            font:
              17px/1.5 system-ui,
              sans-serif;
            max-width: 32rem;
            margin: 3rem auto;
            padding: 0 1.25rem env(safe-area-inset-bottom);
          }
          code {
            word-break: break-all;
          }
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html>`;

/**
 * The page a browser waits on while the owner decides in Telegram. Its script asks for the
 * decision every two seconds and then follows `continue`, which redirects to the client.
 */
export function waitingPage(p: {
  clientName: string;
  redirectHost: string;
  statusUrl: string;
  continueUrl: string;
}) {
  return page(
    'Waiting for approval',
    html`<h1>Approve in Telegram</h1>
      <p>
        <strong>${p.clientName}</strong> asks to connect to Switchboard and act for you. The bot has
        sent the owner an <strong>Allow / Deny</strong> card; after Allow you return to
        <code>${p.redirectHost}</code>.
      </p>
      <p id="state" role="status" aria-live="polite">Waiting for the decision…</p>
      <noscript><a href="${p.continueUrl}">Continue once you have allowed it</a></noscript>
      <script>
        (function poll() {
          fetch(${jsString(p.statusUrl)}, { credentials: 'same-origin' })
            .then(function (r) {
              return r.json();
            })
            .then(function (s) {
              if (s.status === 'pending') return setTimeout(poll, 2000);
              location.replace(${jsString(p.continueUrl)});
            })
            .catch(function () {
              setTimeout(poll, 5000);
            });
        })();
      </script>`,
  );
}

/** A dead end that must not redirect (unknown client, unregistered redirect URI, …). */
export const errorPage = (title: string, message: string) =>
  page(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>`,
  );
