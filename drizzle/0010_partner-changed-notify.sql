-- Every change to a partner row tells the processes listening on 'apn_partner_changed' (payload: the partner id; empty
-- after a TRUNCATE, meaning any partner): their in-memory partner reads drop it (src/store/partner-cache.ts). A
-- notification is sent when the writing transaction commits, and not at all when it rolls back.
CREATE FUNCTION apn_partner_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM pg_notify('apn_partner_changed', '');
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('apn_partner_changed', OLD.id);
  ELSE
    PERFORM pg_notify('apn_partner_changed', NEW.id);
    IF TG_OP = 'UPDATE' AND OLD.id <> NEW.id THEN
      PERFORM pg_notify('apn_partner_changed', OLD.id);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER partners_changed AFTER INSERT OR UPDATE OR DELETE ON partners
  FOR EACH ROW EXECUTE FUNCTION apn_partner_changed();
--> statement-breakpoint
CREATE TRIGGER partners_truncated AFTER TRUNCATE ON partners
  FOR EACH STATEMENT EXECUTE FUNCTION apn_partner_changed();
