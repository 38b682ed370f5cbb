DROP INDEX `tasks_lease`;--> statement-breakpoint
DROP INDEX `tasks_change`;