ALTER TYPE "public"."billing_run_item_status" ADD VALUE 'credited';--> statement-breakpoint
DROP INDEX "invoice_items_charge_key_unique";--> statement-breakpoint
ALTER TABLE "billing_run_items" ADD COLUMN "credit_note_id" integer;--> statement-breakpoint
ALTER TABLE "credit_note_items" ADD COLUMN "charge_key" text;--> statement-breakpoint
ALTER TABLE "credit_note_items" ADD COLUMN "released_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "credit_notes" ADD COLUMN "void_reason" text;--> statement-breakpoint
ALTER TABLE "invoice_items" ADD COLUMN "released_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "billing_run_items" ADD CONSTRAINT "billing_run_items_credit_note_id_credit_notes_id_fk" FOREIGN KEY ("credit_note_id") REFERENCES "public"."credit_notes"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_note_items_live_charge_key_unique" ON "credit_note_items" USING btree ("charge_key") WHERE "credit_note_items"."released_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "invoice_items_live_charge_key_unique" ON "invoice_items" USING btree ("charge_key") WHERE "invoice_items"."released_at" is null;--> statement-breakpoint
-- Invoices voided before this migration release their charges too (their one-off charges were reopened already).
UPDATE "invoice_items" SET "released_at" = coalesce(v."voided_at", now()) FROM "invoices" v
  WHERE v."id" = "invoice_items"."invoice_id" AND v."status" = 'void' AND "invoice_items"."charge_key" IS NOT NULL;
