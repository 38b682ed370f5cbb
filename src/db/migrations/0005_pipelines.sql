CREATE TABLE `pipelines` (
	`task_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`current_step` integer NOT NULL,
	`steps` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pipelines_status` ON `pipelines` (`status`,`task_id`);