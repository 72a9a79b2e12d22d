CREATE TABLE "radius_plan_windows" (
	"plan_id" integer PRIMARY KEY NOT NULL,
	"rule" text NOT NULL,
	"since" timestamp with time zone NOT NULL
);
