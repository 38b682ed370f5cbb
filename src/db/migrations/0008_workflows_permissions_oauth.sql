CREATE TABLE `oauth_clients` (
	`client_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`redirect_uris` text NOT NULL,
	`secret_hash` text,
	`metadata` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text
);
--> statement-breakpoint
CREATE INDEX `oauth_clients_created` ON `oauth_clients` (`created_at`);--> statement-breakpoint
CREATE TABLE `oauth_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`redirect_uri` text NOT NULL,
	`code_challenge` text NOT NULL,
	`state` text,
	`scope` text NOT NULL,
	`resource` text NOT NULL,
	`browser_hash` text NOT NULL,
	`status` text NOT NULL,
	`subject` text,
	`code_hash` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`decided_at` text,
	`used_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_grants_code_hash_unique` ON `oauth_grants` (`code_hash`);--> statement-breakpoint
CREATE INDEX `oauth_grants_status` ON `oauth_grants` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `oauth_tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`client_id` text NOT NULL,
	`subject` text NOT NULL,
	`scope` text NOT NULL,
	`resource` text NOT NULL,
	`family_id` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text,
	`revoked_at` text
);
--> statement-breakpoint
CREATE INDEX `oauth_tokens_family` ON `oauth_tokens` (`family_id`);--> statement-breakpoint
CREATE TABLE `permission_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`task_id` text,
	`tool_name` text NOT NULL,
	`input` text NOT NULL,
	`status` text NOT NULL,
	`requester` text NOT NULL,
	`decided_by` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`decided_at` text
);
--> statement-breakpoint
CREATE INDEX `permission_requests_status` ON `permission_requests` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `workflow_stages` (
	`id` text PRIMARY KEY NOT NULL,
	`workflow_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`task_id` text,
	`executor` text,
	`outcome` text,
	`output` text,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms` integer,
	`tokens_in` integer DEFAULT 0 NOT NULL,
	`tokens_out` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workflow_stages_seq` ON `workflow_stages` (`workflow_id`,`seq`);--> statement-breakpoint
CREATE INDEX `workflow_stages_task` ON `workflow_stages` (`task_id`);--> statement-breakpoint
CREATE TABLE `workflows` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`goal` text,
	`acceptance` text DEFAULT '[]' NOT NULL,
	`status` text NOT NULL,
	`verdict` text,
	`verdict_notes` text,
	`requester` text NOT NULL,
	`channel` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`closed_at` text
);
--> statement-breakpoint
CREATE INDEX `workflows_requester` ON `workflows` (`requester`,`id`);