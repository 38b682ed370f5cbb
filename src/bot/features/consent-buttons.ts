import { Composer } from 'grammy';
import { decideConsent } from '../../core/use-cases/oauth-consent.js';
import { parseConsentCallback } from '../callback-data.js';
import type { BotContext } from '../context.js';
import type { BotDeps } from '../deps.js';
import { consentDecided } from '../views/consent-card.js';

/**
 * Allow / Deny on an OAuth connect card. Only owners decide; the tap is checked against the
 * stored request, so a second tap, or one after it lapsed, changes nothing and says so.
 */
export function consentButtons(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  composer.on('callback_query:data', async (ctx, next) => {
    const data = parseConsentCallback(ctx.callbackQuery.data);
    if (!data) return next();
    const r = await decideConsent({
      deps: { ...deps.core, oauth: deps.oauth },
      actor: ctx.actor,
      input: data,
    });
    if (!r.ok) {
      const text =
        r.error.code === 'forbidden'
          ? 'Only an owner can connect apps.'
          : r.error.code === 'already_decided'
            ? `Already ${r.error.status === 'denied' ? 'denied' : 'allowed'}.`
            : r.error.code === 'expired'
              ? 'This request expired; start connecting again from the app.'
              : 'This request is gone.';
      await ctx.answerCallbackQuery({ text });
      if (r.error.code !== 'forbidden') await ctx.editMessageReplyMarkup().catch(() => {});
      return;
    }
    await ctx.answerCallbackQuery({ text: data.allow ? 'Allowed.' : 'Denied.' });
    const name = r.value.client?.name ?? 'the app';
    const text = consentDecided(name, data.allow, ctx.actor.id);
    await ctx
      .editMessageText(text.text, { entities: [...text.entities] })
      .catch((e: unknown) =>
        deps.log.warn('telegram: could not update a consent card', { error: String(e) }),
      );
  });
  return composer;
}
