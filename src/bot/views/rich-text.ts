import type { MessageEntity } from 'grammy/types';

/**
 * Text plus Telegram entities. Sent without parse_mode, so user-supplied text is never
 * parsed as markup and never needs escaping. Offsets are UTF-16 code units.
 */
export interface RichText {
  readonly text: string;
  readonly entities: readonly MessageEntity[];
}

type EntityShape = MessageEntity extends infer E
  ? E extends MessageEntity
    ? Omit<E, 'offset' | 'length'>
    : never
  : never;

const toRich = (part: string | RichText): RichText =>
  typeof part === 'string' ? plain(part) : part;

// Outer entity goes first so the list stays in ascending offset order.
function wrap(content: RichText, shape: EntityShape): RichText {
  if (content.text.length === 0) return content;
  const outer: MessageEntity = { ...shape, offset: 0, length: content.text.length };
  return { text: content.text, entities: [outer, ...content.entities] };
}

export function plain(text: string): RichText {
  return { text, entities: [] };
}

export function bold(text: string | RichText): RichText {
  return wrap(toRich(text), { type: 'bold' });
}

export function italic(text: string | RichText): RichText {
  return wrap(toRich(text), { type: 'italic' });
}

export function code(text: string): RichText {
  return wrap(plain(text), { type: 'code' });
}

export function pre(text: string, language?: string): RichText {
  return wrap(plain(text), language === undefined ? { type: 'pre' } : { type: 'pre', language });
}

export function link(text: string, url: string): RichText {
  return wrap(plain(text), { type: 'text_link', url });
}

export function join(parts: readonly (string | RichText)[], separator = ''): RichText {
  let text = '';
  const entities: MessageEntity[] = [];
  parts.forEach((part, index) => {
    if (index > 0) text += separator;
    const rich = toRich(part);
    for (const entity of rich.entities) {
      entities.push({ ...entity, offset: entity.offset + text.length });
    }
    text += rich.text;
  });
  return { text, entities };
}

const isPresent = (part: string | RichText | null | undefined | false): part is string | RichText =>
  part !== null && part !== undefined && part !== false;

export function lines(
  ...parts: readonly (string | RichText | null | undefined | false)[]
): RichText {
  return join(parts.filter(isPresent), '\n');
}
