-- radius_accounting is partitioned by month (UTC month boundaries); rows outside every monthly
-- partition land in the default one, so a NAS with a wrong clock never loses accounting.
CREATE TABLE "radius_accounting_default" PARTITION OF "radius_accounting" DEFAULT;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION radius_ensure_accounting_partitions(from_day date, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', from_day)::date;
  created integer := 0;
  part text;
BEGIN
  FOR i IN 1..months LOOP
    part := 'radius_accounting_' || to_char(m, 'YYYY_MM');
    IF to_regclass(part) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF radius_accounting FOR VALUES FROM (%L) TO (%L)',
        part, m::text || ' 00:00:00+00', (m + interval '1 month')::date::text || ' 00:00:00+00');
      created := created + 1;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN created;
END $$;
--> statement-breakpoint
SELECT radius_ensure_accounting_partitions((now() - interval '1 month')::date, 5);
--> statement-breakpoint
-- What the RADIUS server's in-memory indexes must reload: one row per changed service, customer
-- status, plan speed or NAS, polled by id.
CREATE OR REPLACE FUNCTION radius_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO radius_changes (kind, ref_id) VALUES (TG_ARGV[0], OLD.id);
    RETURN OLD;
  END IF;
  INSERT INTO radius_changes (kind, ref_id) VALUES (TG_ARGV[0], NEW.id);
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER radius_services_insert_delete AFTER INSERT OR DELETE ON services
  FOR EACH ROW EXECUTE FUNCTION radius_note_change('service');
--> statement-breakpoint
CREATE TRIGGER radius_services_update AFTER UPDATE ON services FOR EACH ROW
  WHEN ((OLD.type, OLD.status, OLD.login, OLD.password_encrypted, OLD.ipv4_address, OLD.ipv6_address,
         OLD.ip_pool, OLD.mac, OLD.nas_id, OLD.plan_id, OLD.customer_id)
        IS DISTINCT FROM
        (NEW.type, NEW.status, NEW.login, NEW.password_encrypted, NEW.ipv4_address, NEW.ipv6_address,
         NEW.ip_pool, NEW.mac, NEW.nas_id, NEW.plan_id, NEW.customer_id))
  EXECUTE FUNCTION radius_note_change('service');
--> statement-breakpoint
CREATE TRIGGER radius_customers_update AFTER UPDATE ON customers FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION radius_note_change('customer');
--> statement-breakpoint
CREATE TRIGGER radius_plans_update AFTER UPDATE ON plans FOR EACH ROW
  WHEN ((OLD.download_kbps, OLD.upload_kbps, OLD.burst_percent, OLD.burst_threshold_percent,
         OLD.burst_time_s, OLD.priority, OLD.cap_mb)
        IS DISTINCT FROM
        (NEW.download_kbps, NEW.upload_kbps, NEW.burst_percent, NEW.burst_threshold_percent,
         NEW.burst_time_s, NEW.priority, NEW.cap_mb))
  EXECUTE FUNCTION radius_note_change('plan');
--> statement-breakpoint
CREATE TRIGGER radius_nas_insert_delete AFTER INSERT OR DELETE ON radius_nas
  FOR EACH ROW EXECUTE FUNCTION radius_note_change('nas');
--> statement-breakpoint
-- Not on the request counters, which are flushed every few seconds.
CREATE TRIGGER radius_nas_update AFTER UPDATE ON radius_nas FOR EACH ROW
  WHEN ((OLD.name, OLD.ip_address, OLD.secret_encrypted, OLD.type, OLD.coa_port,
         OLD.require_message_authenticator, OLD.partner_id)
        IS DISTINCT FROM
        (NEW.name, NEW.ip_address, NEW.secret_encrypted, NEW.type, NEW.coa_port,
         NEW.require_message_authenticator, NEW.partner_id))
  EXECUTE FUNCTION radius_note_change('nas');
