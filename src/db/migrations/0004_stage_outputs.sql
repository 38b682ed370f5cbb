CREATE TABLE `stage_output_chunks` (
	`stage_id` text NOT NULL,
	`stream` text NOT NULL,
	`seq` integer NOT NULL,
	`text` text NOT NULL,
	PRIMARY KEY(`stage_id`, `stream`, `seq`),
	FOREIGN KEY (`stage_id`) REFERENCES `stage_outputs`(`stage_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `stage_outputs` (
	`stage_id` text PRIMARY KEY NOT NULL,
	`stdout_bytes` integer NOT NULL,
	`stderr_bytes` integer NOT NULL,
	`truncated` integer NOT NULL,
	FOREIGN KEY (`stage_id`) REFERENCES `stages`(`id`) ON UPDATE no action ON DELETE no action
);
