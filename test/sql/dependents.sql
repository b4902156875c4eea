-- dependents: what depends on a column or table a migration drops or
-- replaces.  Views over a replaced column (and views over those) and
-- statistics objects on it are carried over at complete: same name,
-- owner, options, comments, grants, column defaults, rules and triggers.
-- Every other dependent is refused at start (2BP01), each one named; a
-- view the new type does not fit is refused at start too.
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS dep, "dep Reports" CASCADE;
DROP ROLE IF EXISTS pgroll_dep_owner, pgroll_dep_reader, pgroll_dep_other;
RESET client_min_messages;
CREATE ROLE pgroll_dep_owner;
CREATE ROLE pgroll_dep_reader;
CREATE ROLE pgroll_dep_other;
GRANT CREATE ON DATABASE pgroll_regress TO pgroll_dep_owner;
CREATE SCHEMA dep AUTHORIZATION pgroll_dep_owner;
CREATE SCHEMA "dep Reports" AUTHORIZATION pgroll_dep_owner;
GRANT USAGE ON SCHEMA dep, "dep Reports" TO pgroll_dep_reader;

SET ROLE pgroll_dep_owner;
CREATE TABLE dep.items (id int PRIMARY KEY, price int NOT NULL, "Name" text, qty int);
INSERT INTO dep.items SELECT g, g * 10, 'item ' || g, g % 7 FROM generate_series(1, 200) g;
GRANT SELECT ON dep.items TO pgroll_dep_reader;

-- a view over the column, one over that view in another schema, with
-- options, comments, grants (table and column), a default, a rule and an
-- INSTEAD OF trigger
CREATE VIEW dep.cheap WITH (security_barrier, check_option = local) AS
    SELECT id, price AS cost, "Name" FROM dep.items WHERE price < 500;
COMMENT ON VIEW dep.cheap IS 'items under 500';
COMMENT ON COLUMN dep.cheap.cost IS 'what it costs';
ALTER VIEW dep.cheap ALTER COLUMN "Name" SET DEFAULT 'unnamed';
GRANT SELECT, INSERT ON dep.cheap TO pgroll_dep_reader;
CREATE VIEW "dep Reports"."Cheapest ✓" AS SELECT id, cost FROM dep.cheap WHERE cost < 100;
GRANT SELECT (id, cost) ON "dep Reports"."Cheapest ✓" TO pgroll_dep_reader WITH GRANT OPTION;
CREATE FUNCTION dep.count_cheapest() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN RETURN NEW; END$$;
CREATE TRIGGER cheapest_insert INSTEAD OF INSERT ON "dep Reports"."Cheapest ✓"
    FOR EACH ROW EXECUTE FUNCTION dep.count_cheapest();
COMMENT ON TRIGGER cheapest_insert ON "dep Reports"."Cheapest ✓" IS 'does nothing';
CREATE RULE cheapest_delete AS ON DELETE TO "dep Reports"."Cheapest ✓" DO INSTEAD NOTHING;
CREATE STATISTICS dep.items_price_qty (dependencies, ndistinct) ON price, qty FROM dep.items;
ALTER STATISTICS dep.items_price_qty SET STATISTICS 300;
COMMENT ON STATISTICS dep.items_price_qty IS 'price and qty go together';

CREATE TEMP VIEW carried AS
SELECT c.oid::regclass AS view, c.relowner::regrole AS owner, c.reloptions, c.relacl,
       obj_description(c.oid, 'pg_class') AS comment,
       (SELECT array_agg(format('%s %s %s', a.attname, a.atttypid::regtype, a.attacl)
                         ORDER BY a.attnum)
        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) AS columns,
       (SELECT array_agg(format('%s %s', a.attname, pg_get_expr(d.adbin, d.adrelid)))
        FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE d.adrelid = c.oid) AS defaults,
       (SELECT array_agg(format('%s: %s', t.tgname, obj_description(t.oid, 'pg_trigger')))
        FROM pg_trigger t WHERE t.tgrelid = c.oid) AS triggers,
       (SELECT array_agg(r.rulename::text) FROM pg_rewrite r
        WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN') AS rules
FROM pg_class c WHERE c.relnamespace IN ('dep'::regnamespace, '"dep Reports"'::regnamespace)
  AND c.relkind = 'v' ORDER BY c.relname;
CREATE TEMP VIEW statistics AS
SELECT s.stxname, s.stxowner::regrole, s.stxstattarget, s.stxkind,
       pg_get_statisticsobjdef_columns(s.oid) AS columns,
       obj_description(s.oid, 'pg_statistic_ext') AS comment
FROM pg_statistic_ext s WHERE s.stxnamespace = 'dep'::regnamespace ORDER BY 1;
SELECT * FROM carried;
SELECT * FROM statistics;

-- a type change: the views stay usable through the migration, and are
-- carried over onto the new column at complete
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "price",
    "type": "bigint", "up": "price", "down": "price::int"}}]}', '01_bigint', 'dep');
SELECT count(*) FROM "dep Reports"."Cheapest ✓";
CALL pgroll.wait('dep');
SELECT pgroll.complete('dep');
SELECT * FROM carried;
SELECT * FROM statistics;
SELECT pg_get_viewdef('dep.cheap'::regclass);
-- the reader reads them as before, through the column grants it holds
SET ROLE pgroll_dep_reader;
SELECT id, cost FROM "dep Reports"."Cheapest ✓" ORDER BY id LIMIT 3;
SELECT count(*) FROM dep.cheap;
SET ROLE pgroll_dep_owner;
-- the view's CHECK OPTION still holds
INSERT INTO dep.cheap (id, cost) VALUES (1000, 5000);
:e

-- a type change and a rename of the same column in one migration
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "items", "column": "price", "type": "numeric(12,2)",
                      "up": "price", "down": "price::bigint"}},
    {"rename_column": {"table": "items", "from": "price", "to": "Amount"}}]}', '02_amount', 'dep');
CALL pgroll.wait('dep');
SELECT pgroll.complete('dep');
SELECT pg_get_viewdef('dep.cheap'::regclass);
SELECT view, columns FROM carried;
SELECT stxname, columns FROM statistics;

-- rollback leaves the views as they were
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "Amount",
    "type": "bigint", "up": "\"Amount\"", "down": "\"Amount\""}}]}', '03_rolled_back', 'dep');
SELECT pgroll.rollback('dep');
SELECT view, columns FROM carried;

-- a view the new type does not fit is refused at start, named
CREATE VIEW dep.doubled AS SELECT id, qty * 2 AS twice FROM dep.items;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "qty",
    "type": "text", "up": "qty::text", "down": "qty::int"}}]}', '04_text', 'dep');
:e
SELECT count(*) AS leftovers FROM pgroll.migrations WHERE schema = 'dep' AND name = '04_text';
DROP VIEW dep.doubled;

-- what cannot be carried over is refused, every dependent named
CREATE VIEW dep.qtys AS SELECT id, qty FROM dep.items;
CREATE MATERIALIZED VIEW dep.qty_totals AS SELECT sum(qty) AS total FROM dep.qtys;
CREATE FUNCTION dep.total_qty() RETURNS bigint LANGUAGE sql
BEGIN ATOMIC SELECT sum(qty) FROM dep.items; END;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "qty",
    "type": "bigint", "up": "qty", "down": "qty::int"}}]}', '05_refused', 'dep');
:e
DROP MATERIALIZED VIEW dep.qty_totals;
DROP FUNCTION dep.total_qty();
DROP VIEW dep.qtys;

-- each kind of dependent on its own: refused for a replaced column and for
-- a dropped one (views are carried only for a replaced column)
CREATE TABLE dep.log (id int, qty int);
CREATE FUNCTION dep.noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TEMP TABLE kinds (kind text, make text, unmake text);
INSERT INTO kinds VALUES
 ('materialized view', 'CREATE MATERIALIZED VIEW dep.mv AS SELECT qty FROM dep.items',
  'DROP MATERIALIZED VIEW dep.mv'),
 ('SQL-standard function', 'CREATE FUNCTION dep.f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT qty FROM dep.items LIMIT 1; END',
  'DROP FUNCTION dep.f()'),
 ('rule on another table', 'CREATE RULE log_qty AS ON INSERT TO dep.log DO ALSO SELECT qty FROM dep.items LIMIT 1',
  'DROP RULE log_qty ON dep.log'),
 ('policy', 'CREATE POLICY positive ON dep.items USING (qty >= 0)',
  'DROP POLICY positive ON dep.items'),
 ('generated column', 'ALTER TABLE dep.items ADD COLUMN qty2 int GENERATED ALWAYS AS (qty * 2) STORED',
  'ALTER TABLE dep.items DROP COLUMN qty2'),
 ('publication column list', 'CREATE PUBLICATION dep_pub FOR TABLE dep.items (id, qty)',
  'DROP PUBLICATION dep_pub'),
 ('trigger column list', 'CREATE TRIGGER on_qty BEFORE UPDATE OF qty ON dep.items FOR EACH ROW EXECUTE FUNCTION dep.noop()',
  'DROP TRIGGER on_qty ON dep.items'),
 ('trigger WHEN', 'CREATE TRIGGER when_qty BEFORE UPDATE ON dep.items FOR EACH ROW WHEN (NEW.qty > 0) EXECUTE FUNCTION dep.noop()',
  'DROP TRIGGER when_qty ON dep.items'),
 ('view (dropped column)', 'CREATE VIEW dep.qv AS SELECT qty FROM dep.items',
  'DROP VIEW dep.qv');
RESET ROLE;  -- a publication needs more than ownership of the table
SET client_min_messages = error;
CREATE TEMP TABLE refusals (kind text, replaced text, dropped text);
DO $$
DECLARE
    k record;
    replaced text;
    dropped text;
    detail text;
BEGIN
    FOR k IN SELECT * FROM kinds LOOP
        EXECUTE k.make;
        BEGIN
            PERFORM pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "qty",
                "type": "bigint", "up": "qty", "down": "qty::int"}}]}', 'kind', 'dep');
            PERFORM pgroll.rollback('dep');
            replaced := 'accepted';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
            replaced := SQLSTATE || ' ' || detail;
        END;
        BEGIN
            PERFORM pgroll.start('{"operations": [{"drop_column": {"table": "items", "column": "qty",
                "down": "0"}}]}', 'kind', 'dep');
            PERFORM pgroll.rollback('dep');
            dropped := 'accepted';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
            dropped := SQLSTATE || ' ' || detail;
        END;
        EXECUTE k.unmake;
        INSERT INTO refusals VALUES (k.kind, replaced, dropped);
    END LOOP;
END $$;
RESET client_min_messages;
SELECT * FROM refusals ORDER BY kind;
SET ROLE pgroll_dep_owner;

-- an exclusion constraint has no concurrent build: a rewrite of its
-- column is refused, and nothing is left behind
CREATE TABLE dep.bookings (id int PRIMARY KEY, room int, during tsrange,
    EXCLUDE USING gist (during WITH &&));
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "bookings", "column": "during",
    "nullable": false, "up": "coalesce(during, tsrange(''2000-01-01'', ''2000-01-02''))",
    "down": "during"}}]}', '05_excl', 'dep');
:e
SELECT count(*) AS leftovers FROM pg_attribute
WHERE attrelid = 'dep.bookings'::regclass AND attname LIKE '\_pgroll%' AND NOT attisdropped;
-- a column it does not cover is changed as usual
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "bookings", "column": "room",
    "type": "bigint", "up": "room", "down": "room::int"}}]}', '05_room', 'dep');
SELECT pgroll.rollback('dep');

-- a view over a partition's column goes with the parent's column
CREATE TABLE dep.events (id int, at date NOT NULL, n int) PARTITION BY RANGE (at);
CREATE TABLE dep.events_2026 PARTITION OF dep.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO dep.events SELECT g, date '2026-01-01' + g, g FROM generate_series(1, 100) g;
CREATE VIEW dep.events_2026_n AS SELECT id, n FROM dep.events_2026;
CREATE VIEW dep.events_parent_n AS SELECT id, n FROM dep.events;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "events", "column": "n",
    "type": "bigint", "up": "n", "down": "n::int"}}]}', '06_partitioned', 'dep');
CALL pgroll.wait('dep');
SELECT pgroll.complete('dep');
SELECT c.relname, a.attname, a.atttypid::regtype FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relname IN ('events_2026_n', 'events_parent_n') AND a.attnum > 0 ORDER BY 1, 2;
SELECT count(*), sum(n) FROM dep.events_2026_n;
-- dropping the column: the partition's view is named
SELECT pgroll.start('{"operations": [{"drop_column": {"table": "events", "column": "n"}}]}',
                    '07_drop', 'dep');
:e

-- a view owned by a role the migration's role cannot act for: refused at
-- start (complete would have to drop and make it again)
RESET ROLE;
GRANT USAGE ON SCHEMA dep TO pgroll_dep_other;
GRANT SELECT ON dep.items TO pgroll_dep_other;
GRANT CREATE ON SCHEMA dep TO pgroll_dep_other;
SET ROLE pgroll_dep_other;
CREATE VIEW dep.others AS SELECT id, qty FROM dep.items;
SET ROLE pgroll_dep_owner;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "qty",
    "type": "bigint", "up": "qty", "down": "qty::int"}}]}', '08_others', 'dep');
:e
-- a superuser can act for it: the view keeps its owner
RESET ROLE;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "qty",
    "type": "bigint", "up": "qty", "down": "qty::int"}}]}', '08_others', 'dep');
CALL pgroll.wait('dep');
SELECT pgroll.complete('dep');
SELECT view, owner, columns FROM carried WHERE view::text = 'dep.others';

-- a rename and then a type change of the same column, with a view, a
-- view's INSTEAD rule that writes the column, and a statistics object
SET ROLE pgroll_dep_owner;
CREATE TABLE dep.stock (id int PRIMARY KEY, qty int);
INSERT INTO dep.stock SELECT g, g FROM generate_series(1, 20) g;
CREATE VIEW dep.stock_view AS SELECT id, qty FROM dep.stock;
CREATE RULE stock_view_update AS ON UPDATE TO dep.stock_view
    DO INSTEAD UPDATE dep.stock SET qty = NEW.qty WHERE id = OLD.id;
CREATE STATISTICS dep.stock_stats ON id, qty FROM dep.stock;
SELECT pgroll.start('{"operations": [
    {"rename_column": {"table": "stock", "from": "qty", "to": "quantity"}},
    {"alter_column": {"table": "stock", "column": "quantity", "type": "bigint",
                      "up": "quantity", "down": "quantity::int"}}]}', '09_rename_alter', 'dep');
CALL pgroll.wait('dep');
SELECT pgroll.complete('dep');
SELECT pg_get_viewdef('dep.stock_view'::regclass);
SELECT pg_get_ruledef(oid) FROM pg_rewrite WHERE ev_class = 'dep.stock_view'::regclass AND rulename <> '_RETURN';
SELECT pg_get_statisticsobjdef_columns(oid) FROM pg_statistic_ext WHERE stxname = 'stock_stats';
UPDATE dep.stock_view SET qty = 100 WHERE id = 1;
SELECT quantity FROM dep.stock WHERE id = 1;

-- a column an inheritance child inherits cannot be rewritten, dropped or
-- renamed there (PostgreSQL's rule): said at start
CREATE TABLE dep.base (id int PRIMARY KEY, qty int);
CREATE TABLE dep.child (extra int) INHERITS (dep.base);
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "child", "column": "qty",
    "type": "bigint", "up": "qty", "down": "qty::int"}}]}', '10_child', 'dep');
:e
SELECT pgroll.start('{"operations": [{"drop_column": {"table": "child", "column": "qty"}}]}',
                    '10_child', 'dep');
:e
SELECT pgroll.start('{"operations": [{"rename_column": {"table": "child", "from": "qty", "to": "q"}}]}',
                    '10_child', 'dep');
:e
RESET ROLE;

-- no pgroll object is left behind on the views
SELECT count(*) AS internal_names FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace IN ('dep'::regnamespace, '"dep Reports"'::regnamespace)
  AND a.attname LIKE '\_pgroll%';

SET client_min_messages = warning;
DROP SCHEMA dep, "dep Reports" CASCADE;
DROP SCHEMA IF EXISTS dep_01_bigint, dep_02_amount, dep_06_partitioned, dep_08_others, dep_09_rename_alter CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'dep';
REVOKE CREATE ON DATABASE pgroll_regress FROM pgroll_dep_owner;
DROP ROLE pgroll_dep_owner, pgroll_dep_reader, pgroll_dep_other;
