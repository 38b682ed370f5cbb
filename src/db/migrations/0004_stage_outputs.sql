CREATE TABLE `stage_outputs` (
	`stage_id` text PRIMARY KEY NOT NULL,
	`stdout` text NOT NULL,
	`stderr` text NOT NULL,
	`stdout_bytes` integer NOT NULL,
	`stderr_bytes` integer NOT NULL,
	`truncated` integer NOT NULL,
	FOREIGN KEY (`stage_id`) REFERENCES `stages`(`id`) ON UPDATE no action ON DELETE no action
);
