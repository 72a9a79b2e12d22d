DROP INDEX "radius_sessions_online_last_update";--> statement-breakpoint
DROP INDEX "radius_sessions_online_user";--> statement-breakpoint
DROP INDEX "radius_sessions_user_name_started_at_index";