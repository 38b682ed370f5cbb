import { z } from 'zod';

const optional = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

/** A VAPID key in base64url: 65 bytes (uncompressed P-256 point) public, 32 private. */
const vapidKey = (chars: number, what: string) =>
  optional.pipe(
    z
      .string()
      .regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}$`), `${what} in base64url (${chars} characters)`)
      .optional(),
  );

/** The environment variables of SPEC §4. Nothing outside src/entry reads process.env. */
export const envSchema = z
  .object({
    SWITCHBOARD_DATA_DIR: optional,
    PORT: optional.pipe(
      z
        .string()
        .regex(/^\d{1,5}$/, 'a port number (0 picks a free one)')
        .transform(Number)
        .pipe(z.number().max(65_535, 'a port number up to 65535'))
        .optional(),
    ),
    HOST: optional,
    SWITCHBOARD_CONFIG: optional,
    SWITCHBOARD_ADMIN_TOKEN: optional.pipe(z.string().min(16, 'at least 16 characters').optional()),
    DATABASE_URL: optional,
    DATABASE_AUTH_TOKEN: optional,
    TELEGRAM_BOT_TOKEN: optional,
    TELEGRAM_WEBHOOK_SECRET: optional,
    TELEGRAM_API_ROOT: optional.pipe(z.url().optional()),
    SSH_AUTH_SOCK: optional,
    SWITCHBOARD_GATEWAY_URL: optional.pipe(z.url().optional()),
    SWITCHBOARD_RUNNER_TOKEN: optional,
    SWITCHBOARD_VAPID_PUBLIC_KEY: vapidKey(87, 'a P-256 public key'),
    SWITCHBOARD_VAPID_PRIVATE_KEY: vapidKey(43, 'a P-256 private key'),
    SWITCHBOARD_VAPID_SUBJECT: optional.pipe(
      z
        .string()
        .regex(/^(mailto:.+@.+|https:\/\/.+)$/, 'a mailto: address or an https: URL')
        .optional(),
    ),
  })
  .refine(
    (e) =>
      (e.SWITCHBOARD_VAPID_PUBLIC_KEY === undefined) ===
      (e.SWITCHBOARD_VAPID_PRIVATE_KEY === undefined),
    {
      message:
        'set both SWITCHBOARD_VAPID_PUBLIC_KEY and SWITCHBOARD_VAPID_PRIVATE_KEY, or neither',
      path: ['SWITCHBOARD_VAPID_PRIVATE_KEY'],
    },
  );

export type Env = z.infer<typeof envSchema>;
