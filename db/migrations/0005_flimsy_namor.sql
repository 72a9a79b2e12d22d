CREATE TABLE "radius_cap_state" (
	"service_id" integer PRIMARY KEY NOT NULL,
	"period_start" date NOT NULL,
	"top_up_mb" bigint DEFAULT 0 NOT NULL,
	"top_up_count" integer DEFAULT 0 NOT NULL,
	"used_bytes" bigint DEFAULT 0 NOT NULL,
	"capped_at" timestamp with time zone,
	"cap_action" text,
	"checked_at" timestamp with time zone NOT NULL
);
