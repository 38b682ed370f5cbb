ALTER TABLE `runners` ADD `token_hash` text;--> statement-breakpoint
CREATE UNIQUE INDEX `runners_token_hash_unique` ON `runners` (`token_hash`);