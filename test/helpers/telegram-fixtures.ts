import type { UserFromGetMe } from 'grammy/types';

/** A preset getMe answer, so a bot handles updates without asking the Bot API first. */
export const TEST_BOT_INFO: UserFromGetMe = {
  id: 42,
  is_bot: true,
  first_name: 'Switchboard',
  username: 'switchboard_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

/** A deploy template that only says what it would do, with the SPEC's gates per environment. */
export const ECHO_DEPLOY_TEMPLATE = `---
description: Deploy a service.
triggers: [deploy]
params:
  service: { type: string, required: true, values: [web, api] }
argv: [echo, 'deploying {{service}} to {{environment}}']
risk: { dev: low, staging: medium, production: high }
---
`;
