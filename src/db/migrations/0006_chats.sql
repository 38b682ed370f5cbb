CREATE TABLE `chat_messages` (
	`chat_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`task_id` text NOT NULL,
	`kind` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`chat_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `chat_messages_task` ON `chat_messages` (`task_id`);--> statement-breakpoint
CREATE TABLE `chats` (
	`chat_id` integer PRIMARY KEY NOT NULL,
	`last_host` text,
	`last_repo` text,
	`pending` text,
	`subscribed` integer DEFAULT false NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `login_links` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_name` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text
);
--> statement-breakpoint
ALTER TABLE `tasks` ADD `continues_task_id` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `resume_session_id` text;