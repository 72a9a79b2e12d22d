-- Room on each page for the new version of a row, so an Interim-Update (which changes no indexed
-- column of radius_sessions, nor of radius_usage_daily) is a HOT update that writes no index entry.
ALTER TABLE "radius_sessions" SET (fillfactor = 70);
--> statement-breakpoint
ALTER TABLE "radius_usage_daily" SET (fillfactor = 70);
