ALTER TABLE `oauth_clients` ADD `source` text;--> statement-breakpoint
CREATE INDEX `oauth_clients_source` ON `oauth_clients` (`source`,`created_at`);--> statement-breakpoint
ALTER TABLE `oauth_grants` ADD `source` text;--> statement-breakpoint
CREATE INDEX `oauth_grants_client` ON `oauth_grants` (`client_id`,`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `oauth_grants_source` ON `oauth_grants` (`source`,`status`,`expires_at`);