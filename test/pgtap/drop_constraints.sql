-- pgTAP tests for drop_constraint and drop_multicolumn_constraint.
--
-- Background work (backfill, concurrent index builds, VALIDATE) runs in the
-- worker after start commits, so this file runs in autocommit mode, without
-- an enclosing transaction: it cleans up its schema first and last.
--
-- Base: 01_base (a sql migration creating the tables), completed.  Then one
-- migration per form; each is started, written to through both versions
-- (the new version no longer enforces the constraint, the old one still
-- does, down repairs what new writers write), read through both, rolled
-- back (catalog, pg_dump --schema-only and data identical to before),
-- started again, completed, and checked (the constraint gone, everything
-- else of the columns kept, no _pgroll_ leftovers):
--
--   02_drop_check       drop_constraint of a check; the column keeps NOT NULL,
--                       default, comment, its other check and its index
--   03_drop_fk          drop_constraint of a foreign key
--   04_drop_unique      drop_constraint of a unique constraint
--   05_multi_check      drop_multicolumn_constraint of a check
--   06_multi_unique     drop_multicolumn_constraint of a unique constraint (with up)
--   07_multi_fk         drop_multicolumn_constraint of a foreign key
--   08_serial_unique    drop_constraint of a unique constraint on a serial column
-- Then documents that must be refused.
\set ON_ERROR_STOP 0
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;

-- pg_dump of the schema and its version schemas (the \restrict lines of
-- newer pg_dump releases carry a random key)
\setenv PGDATABASE :DBNAME
\setenv PGHOST :HOST
\setenv PGPORT :PORT
\setenv PGUSER :USER
\set dumpcmd 'pg_dump --schema-only --schema=''tap_drop_constraints*'' 2>&1 | grep -Ev ''^.(un)?restrict '''

-- a clean slate (an earlier run may have stopped half-way)
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tap\_drop\_constraints%' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
    DELETE FROM pgroll.jobs WHERE schema = 'tap_drop_constraints';
    DELETE FROM pgroll.migrations WHERE schema = 'tap_drop_constraints';
END $$;

SELECT plan(178);
CREATE SCHEMA tap_drop_constraints;

-- ---------------------------------------------------------------------
-- Helpers (temporary: they vanish with the session)
-- ---------------------------------------------------------------------

-- Run a statement; its single result as text, or 'ERROR <sqlstate>: <message>'.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text;
BEGIN
    EXECUTE sql INTO r;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $f$;

-- Write as a client of version schema ver (search_path = ver): 'ok' or the SQLSTATE
CREATE FUNCTION pg_temp.write_as(ver text, sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE saved text := current_setting('search_path');
BEGIN
    IF ver IS NULL THEN
        RETURN 'no such version';
    END IF;
    PERFORM set_config('search_path', ver, true);
    EXECUTE sql;
    -- deferred constraints are checked here, not at the end of the statement
    SET CONSTRAINTS ALL IMMEDIATE;
    PERFORM set_config('search_path', saved, true);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $f$;

-- The rows of a query run as a client of version schema ver, as text:
-- '(1,a) (2,b)'; or 'ERROR <sqlstate>: <message>'
CREATE FUNCTION pg_temp.query_as(ver text, sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    saved text := current_setting('search_path');
    r text;
BEGIN
    IF ver IS NULL THEN
        RETURN 'no such version';
    END IF;
    PERFORM set_config('search_path', ver, true);
    EXECUTE format('SELECT string_agg(x::text, %L) FROM (%s) x', ' ', sql) INTO r;
    PERFORM set_config('search_path', saved, true);
    RETURN coalesce(r, '');
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $f$;

-- The version schemas: during a migration, the new and the old one
CREATE FUNCTION pg_temp.new_version() RETURNS text LANGUAGE sql AS $f$
    SELECT 'tap_drop_constraints_' || pgroll.latest_version('tap_drop_constraints') $f$;
CREATE FUNCTION pg_temp.old_version() RETURNS text LANGUAGE sql AS $f$
    SELECT 'tap_drop_constraints_' || pgroll.previous_version('tap_drop_constraints') $f$;

-- new / old / base-table writers and readers
CREATE FUNCTION pg_temp.nw(sql text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.write_as(pg_temp.new_version(), sql) $f$;
CREATE FUNCTION pg_temp.ow(sql text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.write_as(pg_temp.old_version(), sql) $f$;
CREATE FUNCTION pg_temp.bw(sql text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.write_as('tap_drop_constraints', sql) $f$;
CREATE FUNCTION pg_temp.nq(sql text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.query_as(pg_temp.new_version(), sql) $f$;
CREATE FUNCTION pg_temp.oq(sql text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.query_as(pg_temp.old_version(), sql) $f$;
CREATE FUNCTION pg_temp.bq(sql text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.query_as('tap_drop_constraints', sql) $f$;

-- A writer that names its version with the pgroll.version setting, its
-- search_path being the base schema
CREATE FUNCTION pg_temp.write_with_guc(version text, sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE saved text := current_setting('search_path');
BEGIN
    PERFORM set_config('pgroll.version', version, true);
    PERFORM set_config('search_path', 'tap_drop_constraints', true);
    EXECUTE sql;
    SET CONSTRAINTS ALL IMMEDIATE;
    PERFORM set_config('search_path', saved, true);
    PERFORM set_config('pgroll.version', '', true);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $f$;

-- Column names of a relation in attnum order (NULL if it does not exist)
CREATE FUNCTION pg_temp.cols(rel text) RETURNS name[] LANGUAGE sql AS $f$
    SELECT array_agg(attname ORDER BY attnum) FROM pg_attribute
    WHERE attrelid = to_regclass(rel) AND attnum > 0 AND NOT attisdropped
$f$;

-- A column's type as the relation (table or view) shows it
CREATE FUNCTION pg_temp.coltype(rel text, col name) RETURNS text LANGUAGE sql AS $f$
    SELECT format_type(atttypid, atttypmod) FROM pg_attribute
    WHERE attrelid = to_regclass(rel) AND attname = col AND NOT attisdropped
$f$;

-- A column's default as the relation (table or view) shows it
CREATE FUNCTION pg_temp.coldefault(rel text, col name) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a
    JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = to_regclass(rel) AND a.attname = col AND NOT a.attisdropped
$f$;

-- A base table column: 'type [NOT NULL] [DEFAULT x] [identity] [COMMENT c]'
CREATE FUNCTION pg_temp.coldef(tab text, col name) RETURNS text LANGUAGE sql AS $f$
    SELECT concat(format_type(a.atttypid, a.atttypmod),
                  CASE WHEN a.attnotnull THEN ' NOT NULL' END,
                  ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid),
                  CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY'
                                     WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' END,
                  ' COMMENT ' || col_description(a.attrelid, a.attnum))
    FROM pg_attribute a
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = to_regclass('tap_drop_constraints.' || quote_ident(tab))
      AND a.attname = col AND NOT a.attisdropped
$f$;

-- The constraints of a base table: 'name definition; ...' by name
CREATE FUNCTION pg_temp.cons(tab text) RETURNS text LANGUAGE sql AS $f$
    SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname)
    FROM pg_constraint WHERE conrelid = to_regclass('tap_drop_constraints.' || quote_ident(tab))
$f$;

-- The indexes of a base table: their definitions, by name
CREATE FUNCTION pg_temp.idx(tab text) RETURNS text LANGUAGE sql AS $f$
    SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY c.relname)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = to_regclass('tap_drop_constraints.' || quote_ident(tab))
$f$;

-- Is a constraint of the schema valid ('t', 'f', or NULL when missing)
CREATE FUNCTION pg_temp.validated(con name) RETURNS text LANGUAGE sql AS $f$
    SELECT string_agg(convalidated::text, ',') FROM pg_constraint
    WHERE conname = con AND connamespace = 'tap_drop_constraints'::regnamespace
$f$;

-- Everything a migration could change in the schema, as text
CREATE FUNCTION pg_temp.snapshot() RETURNS text LANGUAGE sql AS $f$
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = 'tap_drop_constraints')
SELECT concat_ws(E'\n',
  (SELECT string_agg(format('rel %s kind=%s replident=%s options=%s comment=%s',
                            c.relname, c.relkind, c.relreplident, c.reloptions,
                            obj_description(c.oid, 'pg_class')), E'\n' ORDER BY c.relname)
     FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM ns)),
  (SELECT string_agg(format('col %s.%s #%s %s notnull=%s default=%s identity=%s generated=%s collation=%s comment=%s',
                            c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
                            a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity,
                            a.attgenerated, a.attcollation, col_description(c.oid, a.attnum)),
                     E'\n' ORDER BY c.relname, a.attnum)
     FROM pg_class c
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v')),
  (SELECT string_agg(format('con %s.%s %s deferrable=%s deferred=%s valid=%s',
                            c.relname, con.conname, pg_get_constraintdef(con.oid),
                            con.condeferrable, con.condeferred, con.convalidated),
                     E'\n' ORDER BY c.relname, con.conname)
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
     WHERE c.relnamespace = (SELECT oid FROM ns)),
  (SELECT string_agg(format('idx %s valid=%s replident=%s', pg_get_indexdef(i.indexrelid),
                            i.indisvalid, i.indisreplident),
                     E'\n' ORDER BY pg_get_indexdef(i.indexrelid))
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     WHERE c.relnamespace = (SELECT oid FROM ns)),
  (SELECT string_agg(format('seq %s start=%s inc=%s owner=%s', s.seqrelid::regclass, s.seqstart,
                            s.seqincrement,
                            (SELECT d.refobjid::regclass || '.' || d.refobjsubid || ':' || d.deptype::text
                               FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                AND d.objid = s.seqrelid AND d.deptype IN ('a', 'i'))),
                     E'\n' ORDER BY s.seqrelid::regclass::text)
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
     WHERE c.relnamespace = (SELECT oid FROM ns)),
  (SELECT string_agg(format('trg %s.%s', c.relname, t.tgname), E'\n' ORDER BY c.relname, t.tgname)
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = (SELECT oid FROM ns) AND NOT t.tgisinternal),
  (SELECT string_agg(format('fn %s', p.oid::regprocedure), E'\n' ORDER BY p.oid::regprocedure::text)
     FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM ns)),
  (SELECT string_agg(format('nsp %s', n.nspname), E'\n' ORDER BY n.nspname)
     FROM pg_namespace n WHERE n.nspname LIKE 'tap\_drop\_constraints\_%'))
$f$;

-- Objects named _pgroll_* left in the schema ('' when none).  Attribute
-- names of indexes are not renamed by RENAME COLUMN: not counted.
CREATE FUNCTION pg_temp.leftovers() RETURNS text LANGUAGE sql AS $f$
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = 'tap_drop_constraints')
SELECT coalesce(string_agg(x, ', ' ORDER BY x), '') FROM (
    SELECT 'relation ' || relname FROM pg_class
     WHERE relnamespace = (SELECT oid FROM ns) AND relname LIKE '\_pgroll\_%'
    UNION ALL
    SELECT 'column ' || c.relname || '.' || a.attname
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND a.attnum > 0 AND NOT a.attisdropped AND a.attname LIKE '\_pgroll\_%'
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid)
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     WHERE c.relnamespace = (SELECT oid FROM ns) AND pg_get_indexdef(i.indexrelid) LIKE '%\_pgroll\_%'
    UNION ALL
    SELECT 'function ' || proname FROM pg_proc
     WHERE pronamespace = (SELECT oid FROM ns) AND proname LIKE '\_pgroll\_%'
    UNION ALL
    SELECT 'trigger ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = (SELECT oid FROM ns) AND tgname LIKE '\_pgroll\_%'
    UNION ALL
    SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
     WHERE connamespace = (SELECT oid FROM ns)
       AND (conname LIKE '\_pgroll\_%' OR pg_get_constraintdef(oid) LIKE '%\_pgroll\_%')
) l(x)
$f$;

-- The rows of every table of the schema as version schema ver shows them
-- (one md5 per table)
CREATE FUNCTION pg_temp.all_data(ver text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    t name;
    r text;
    result text := '';
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c
             WHERE c.relnamespace = 'tap_drop_constraints'::regnamespace AND c.relkind = 'r'
             ORDER BY c.relname LOOP
        BEGIN
            EXECUTE format('SELECT count(*) || %L || md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L)) FROM %I.%I x',
                           ':', ' ', '', ver, t) INTO r;
        EXCEPTION WHEN OTHERS THEN
            r := SQLSTATE;
        END;
        result := result || t || '=' || r || ' ';
    END LOOP;
    RETURN result;
END $f$;

-- Queued work of the active (or latest) migration that is not done ('' when none)
CREATE FUNCTION pg_temp.work_left() RETURNS text LANGUAGE sql AS $f$
    SELECT coalesce(string_agg(description || ': ' || state || coalesce(' ' || error, ''), '; ' ORDER BY id), '')
    FROM pgroll.jobs WHERE schema = 'tap_drop_constraints'
      AND migration = pgroll.latest_migration('tap_drop_constraints') AND state <> 'done'
$f$;

-- Migration documents of this file, by id
CREATE TEMP TABLE migration_docs (id text PRIMARY KEY, doc jsonb NOT NULL);
-- snapshots taken before start, and data before rollback
CREATE TEMP TABLE snaps (id text PRIMARY KEY, catalog text, data text, extra text);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, %L, %L) FROM migration_docs WHERE id = %L',
                              id, 'tap_drop_constraints', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_drop_constraints')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_drop_constraints')$$) $f$;

-- roll back a migration that a failure left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_drop_constraints') THEN
        PERFORM pgroll.rollback('tap_drop_constraints');
    END IF;
END $f$;

-- before start: the catalog (the data is taken before rollback)
CREATE FUNCTION pg_temp.before_start(m text) RETURNS void LANGUAGE sql AS $f$
    INSERT INTO snaps (id, catalog) VALUES (m, pg_temp.snapshot())
    ON CONFLICT (id) DO UPDATE SET catalog = excluded.catalog $f$;
CREATE FUNCTION pg_temp.before_rollback(m text) RETURNS void LANGUAGE sql AS $f$
    UPDATE snaps SET data = pg_temp.all_data(pg_temp.old_version()) WHERE id = m $f$;

-- After rollback: six tests
CREATE FUNCTION pg_temp.after_rollback(m text, dump_before text, dump_after text)
RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
    RETURN NEXT ok(dump_before LIKE '%CREATE TABLE tap_drop_constraints.items%'
                   AND dump_before LIKE '%CREATE VIEW tap_drop_constraints\_%',
                   m || ': pg_dump --schema-only shows the tables and the version views');
    RETURN NEXT hasnt_schema('tap_drop_constraints_' || m, m || ': rollback drops the new version schema');
    RETURN NEXT is(dump_after, dump_before, m || ': after rollback, pg_dump --schema-only is identical');
    RETURN NEXT is(pg_temp.snapshot(), (SELECT catalog FROM snaps WHERE id = m),
                   m || ': after rollback, the catalog is identical');
    RETURN NEXT is(pg_temp.all_data('tap_drop_constraints_' || pgroll.latest_version('tap_drop_constraints')),
                   (SELECT data FROM snaps WHERE id = m),
                   m || ': after rollback, the old version shows the same rows');
    RETURN NEXT is(pg_temp.leftovers(), '', m || ': no _pgroll_ objects after rollback');
END $f$;

-- After complete: three tests
CREATE FUNCTION pg_temp.after_complete(m text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
    RETURN NEXT is(pg_temp.work_left(), '', m || ': no queued work left after complete');
    RETURN NEXT is((SELECT count(*)::int FROM pg_namespace WHERE nspname LIKE 'tap\_drop\_constraints\_%'),
                   1, m || ': complete leaves only the new version schema');
    RETURN NEXT is(pg_temp.leftovers(), '', m || ': no _pgroll_ objects after complete');
END $f$;

-- the SQLSTATE start raises for a document (always undone), or 'no error'
CREATE FUNCTION pg_temp.start_error(p_id text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    BEGIN
        PERFORM pgroll.start(d.doc, p_id, 'tap_drop_constraints') FROM migration_docs d WHERE d.id = p_id;
    EXCEPTION WHEN OTHERS THEN
        RETURN SQLSTATE;
    END;
    RAISE EXCEPTION 'undo' USING ERRCODE = 'ZZ000';
EXCEPTION WHEN SQLSTATE 'ZZ000' THEN
    RETURN 'no error';
END $f$;
CREATE FUNCTION pg_temp.validate_error(p_id text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM pgroll.validate(d.doc, 'tap_drop_constraints') FROM migration_docs d WHERE d.id = p_id;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('01_base', jsonb_build_object('operations', jsonb_build_array(
  jsonb_build_object('sql', jsonb_build_object('up', $sql$
CREATE TABLE parents (id int PRIMARY KEY, code text, CONSTRAINT parents_id_code_key UNIQUE (id, code));
INSERT INTO parents VALUES (1, 'p1'), (2, 'p2');

CREATE TABLE items (
    id int PRIMARY KEY,
    qty int NOT NULL DEFAULT 1 CONSTRAINT items_qty_pos CHECK (qty > 0) CONSTRAINT items_qty_small CHECK (qty < 1000),
    parent_id int CONSTRAINT items_parent_fk REFERENCES parents (id) ON DELETE CASCADE,
    sku text CONSTRAINT items_sku_key UNIQUE,
    lo int,
    hi int,
    region text,
    zone int,
    pid int,
    pcode text,
    CONSTRAINT items_range_check CHECK (lo <= hi),
    CONSTRAINT items_region_zone_key UNIQUE (region, zone),
    CONSTRAINT items_parent_code_fk FOREIGN KEY (pid, pcode) REFERENCES parents (id, code));
COMMENT ON COLUMN items.qty IS 'how many';
CREATE INDEX items_qty_idx ON items (qty);
INSERT INTO items VALUES
    (1, 5, 1, 's1', 1, 2, 'r1', 1, 1, 'p1'),
    (2, 7, 2, 's2', 3, 3, 'r1', 2, 2, 'p2'),
    (3, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE counters (id serial PRIMARY KEY, n serial CONSTRAINT counters_n_key UNIQUE, label text);
INSERT INTO counters (label) SELECT 'c' || g FROM generate_series(1, 5) g;
$sql$)))));

SELECT is(pg_temp.start('01_base'), 'tap_drop_constraints_01_base', '01_base: start');
SELECT is(pg_temp.complete(), '01_base', '01_base: complete');

-- ---------------------------------------------------------------------
-- 02_drop_check: drop_constraint items_qty_pos; qty keeps NOT NULL, its
-- default, its comment, its other check and its index
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('02_drop_check', $j${"operations": [
  {"drop_constraint": {"table": "items", "name": "items_qty_pos",
     "up": "qty", "down": "CASE WHEN qty > 0 THEN qty ELSE 1 END"}}]}$j$);
SELECT pg_temp.before_start('02_drop_check') AS void \gset
UPDATE snaps SET extra = pg_temp.idx('items') WHERE id = '02_drop_check';
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('02_drop_check'), 'tap_drop_constraints_02_drop_check', '02_drop_check: start');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.work_left(), '', '02_drop_check: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO items (id, qty) VALUES (10, -5)$$), 'ok',
          '02_drop_check: new writer: the dropped check is no longer enforced');
SELECT is(pg_temp.nq($$SELECT qty FROM items WHERE id = 10$$), '(-5)', '02_drop_check: the new version sees its value');
SELECT is(pg_temp.oq($$SELECT qty FROM items WHERE id = 10$$), '(1)', '02_drop_check: the old version sees down''s repair');
SELECT is(pg_temp.ow($$INSERT INTO items (id, qty) VALUES (11, -5)$$), '23514', '02_drop_check: old writer: the check still applies');
SELECT is(pg_temp.nw($$INSERT INTO items (id, qty) VALUES (12, 2000)$$), '23514',
          '02_drop_check: new writer: the column''s other check still applies');
SELECT ok(pg_temp.nw($$INSERT INTO items (id, qty) VALUES (13, NULL)$$) IN ('23502', '23514'),
          '02_drop_check: new writer: NOT NULL still applies');
SELECT is(pg_temp.nw($$INSERT INTO items (id) VALUES (14)$$), 'ok', '02_drop_check: new writer: the default');
SELECT is(pg_temp.nq($$SELECT qty FROM items WHERE id = 14$$), '(1)', '02_drop_check: the default still applies');
SELECT is(pg_temp.ow($$UPDATE items SET qty = 9 WHERE id = 3$$), 'ok', '02_drop_check: old writer updates');
SELECT is(pg_temp.nq($$SELECT qty FROM items WHERE id = 3$$), '(9)', '02_drop_check: the new version sees it (up)');
SELECT pg_temp.before_rollback('02_drop_check') AS void \gset
SELECT is(pg_temp.rollback(), '02_drop_check', '02_drop_check: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('02_drop_check', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('02_drop_check'), 'tap_drop_constraints_02_drop_check', '02_drop_check: start again');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.complete(), '02_drop_check', '02_drop_check: complete');
SELECT * FROM pg_temp.after_complete('02_drop_check');
SELECT is(pg_temp.cons('items'),
          'items_parent_code_fk FOREIGN KEY (pid, pcode) REFERENCES tap_drop_constraints.parents(id, code); '
          'items_parent_fk FOREIGN KEY (parent_id) REFERENCES tap_drop_constraints.parents(id) ON DELETE CASCADE; '
          'items_pkey PRIMARY KEY (id); items_qty_small CHECK ((qty < 1000)); items_range_check CHECK ((lo <= hi)); '
          'items_region_zone_key UNIQUE (region, zone); items_sku_key UNIQUE (sku)',
          '02_drop_check: after complete the check is gone, every other constraint is there');
SELECT is(pg_temp.coldef('items', 'qty'), 'integer NOT NULL DEFAULT 1 COMMENT how many',
          '02_drop_check: after complete the column keeps NOT NULL, default and comment');
SELECT is(pg_temp.idx('items'), (SELECT extra FROM snaps WHERE id = '02_drop_check'),
          '02_drop_check: after complete the indexes are those before start (items_qty_idx included)');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.items'),
          '{id,qty,parent_id,sku,lo,hi,region,zone,pid,pcode}'::name[], '02_drop_check: after complete the view');
SELECT is(pg_temp.nw($$INSERT INTO items (id, qty) VALUES (15, -5)$$), 'ok', '02_drop_check: after complete the check is not enforced');
SELECT is(pg_temp.nw($$INSERT INTO items (id, qty) VALUES (16, 1000)$$), '23514', '02_drop_check: after complete the other check is');
SELECT is(pg_temp.nq($$SELECT id, qty FROM items ORDER BY id$$), '(1,5) (2,7) (3,9) (10,1) (14,1) (15,-5)',
          '02_drop_check: after complete the data (10 re-backfilled from the old column)');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 03_drop_fk: drop_constraint items_parent_fk
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('03_drop_fk', $j${"operations": [
  {"drop_constraint": {"table": "items", "name": "items_parent_fk",
     "down": "CASE WHEN parent_id IN (SELECT id FROM parents) THEN parent_id END"}}]}$j$);
SELECT pg_temp.before_start('03_drop_fk') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('03_drop_fk'), 'tap_drop_constraints_03_drop_fk', '03_drop_fk: start');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.work_left(), '', '03_drop_fk: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO items (id, parent_id) VALUES (20, 99)$$), 'ok',
          '03_drop_fk: new writer: the dropped foreign key is no longer enforced');
SELECT is(pg_temp.nq($$SELECT parent_id FROM items WHERE id = 20$$), '(99)', '03_drop_fk: the new version sees its value');
SELECT is(pg_temp.oq($$SELECT parent_id FROM items WHERE id = 20$$), '()', '03_drop_fk: the old version sees down''s repair');
SELECT is(pg_temp.nw($$INSERT INTO items (id, parent_id) VALUES (21, 2)$$), 'ok', '03_drop_fk: new writer: a valid reference');
SELECT is(pg_temp.oq($$SELECT parent_id FROM items WHERE id = 21$$), '(2)', '03_drop_fk: the old version sees it');
SELECT is(pg_temp.ow($$INSERT INTO items (id, parent_id) VALUES (22, 99)$$), '23503', '03_drop_fk: old writer: the foreign key still applies');
SELECT pg_temp.before_rollback('03_drop_fk') AS void \gset
SELECT is(pg_temp.rollback(), '03_drop_fk', '03_drop_fk: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('03_drop_fk', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('03_drop_fk'), 'tap_drop_constraints_03_drop_fk', '03_drop_fk: start again');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.complete(), '03_drop_fk', '03_drop_fk: complete');
SELECT * FROM pg_temp.after_complete('03_drop_fk');
SELECT is(pg_temp.validated('items_parent_fk'), NULL, '03_drop_fk: after complete the foreign key is gone');
SELECT is(pg_temp.coldef('items', 'parent_id'), 'integer', '03_drop_fk: after complete the column');
SELECT is(pg_temp.nw($$INSERT INTO items (id, parent_id) VALUES (23, 99)$$), 'ok', '03_drop_fk: after complete a dangling value is accepted');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.items'),
          '{id,qty,parent_id,sku,lo,hi,region,zone,pid,pcode}'::name[], '03_drop_fk: after complete the view');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 04_drop_unique: drop_constraint items_sku_key
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('04_drop_unique', $j${"operations": [
  {"drop_constraint": {"table": "items", "name": "items_sku_key", "down": "sku || '-' || id"}}]}$j$);
SELECT pg_temp.before_start('04_drop_unique') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('04_drop_unique'), 'tap_drop_constraints_04_drop_unique', '04_drop_unique: start');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.work_left(), '', '04_drop_unique: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO items (id, sku) VALUES (30, 's1')$$), 'ok',
          '04_drop_unique: new writer: a duplicate is accepted');
SELECT is(pg_temp.nq($$SELECT id, sku FROM items WHERE sku LIKE 's1%' ORDER BY id$$), '(1,s1) (30,s1)',
          '04_drop_unique: the new version sees the duplicate');
SELECT is(pg_temp.oq($$SELECT id, sku FROM items WHERE sku LIKE 's1%' ORDER BY id$$), '(1,s1) (30,s1-30)',
          '04_drop_unique: the old version sees down''s repair');
SELECT is(pg_temp.ow($$INSERT INTO items (id, sku) VALUES (31, 's1')$$), '23505', '04_drop_unique: old writer: the unique constraint still applies');
SELECT pg_temp.before_rollback('04_drop_unique') AS void \gset
SELECT is(pg_temp.rollback(), '04_drop_unique', '04_drop_unique: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('04_drop_unique', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('04_drop_unique'), 'tap_drop_constraints_04_drop_unique', '04_drop_unique: start again');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.complete(), '04_drop_unique', '04_drop_unique: complete');
SELECT * FROM pg_temp.after_complete('04_drop_unique');
SELECT is(pg_temp.validated('items_sku_key'), NULL, '04_drop_unique: after complete the constraint is gone');
SELECT is(to_regclass('tap_drop_constraints.items_sku_key'), NULL, '04_drop_unique: after complete its index is gone');
SELECT is(pg_temp.nw($$INSERT INTO items (id, sku) VALUES (32, 's2')$$), 'ok', '04_drop_unique: after complete a duplicate is accepted');
SELECT is(pg_temp.nq($$SELECT id, sku FROM items WHERE sku LIKE 's%' ORDER BY id$$), '(1,s1) (2,s2) (30,s1-30) (32,s2)',
          '04_drop_unique: after complete the data');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 05_multi_check: drop_multicolumn_constraint items_range_check (lo <= hi)
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('05_multi_check', $j${"operations": [
  {"drop_multicolumn_constraint": {"table": "items", "name": "items_range_check",
     "down": {"lo": "least(lo, hi)", "hi": "greatest(lo, hi)"}}}]}$j$);
SELECT pg_temp.before_start('05_multi_check') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('05_multi_check'), 'tap_drop_constraints_05_multi_check', '05_multi_check: start');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.work_left(), '', '05_multi_check: the background work is done');
SELECT is(pg_temp.nq($$SELECT id, lo, hi FROM items WHERE id <= 2 ORDER BY id$$), '(1,1,2) (2,3,3)',
          '05_multi_check: existing rows through the default up (the value as it is)');
SELECT is(pg_temp.nw($$INSERT INTO items (id, lo, hi) VALUES (40, 5, 1)$$), 'ok',
          '05_multi_check: new writer: the dropped check is no longer enforced');
SELECT is(pg_temp.nq($$SELECT lo, hi FROM items WHERE id = 40$$), '(5,1)', '05_multi_check: the new version sees its values');
SELECT is(pg_temp.oq($$SELECT lo, hi FROM items WHERE id = 40$$), '(1,5)',
          '05_multi_check: the old version sees each column through its own down');
SELECT is(pg_temp.ow($$INSERT INTO items (id, lo, hi) VALUES (41, 5, 1)$$), '23514', '05_multi_check: old writer: the check still applies');
SELECT is(pg_temp.ow($$INSERT INTO items (id, lo, hi) VALUES (42, 1, 5)$$), 'ok', '05_multi_check: old writer: a valid row');
SELECT is(pg_temp.nq($$SELECT lo, hi FROM items WHERE id = 42$$), '(1,5)', '05_multi_check: the new version sees it');
SELECT pg_temp.before_rollback('05_multi_check') AS void \gset
SELECT is(pg_temp.rollback(), '05_multi_check', '05_multi_check: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('05_multi_check', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('05_multi_check'), 'tap_drop_constraints_05_multi_check', '05_multi_check: start again');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.complete(), '05_multi_check', '05_multi_check: complete');
SELECT * FROM pg_temp.after_complete('05_multi_check');
SELECT is(pg_temp.validated('items_range_check'), NULL, '05_multi_check: after complete the check is gone');
SELECT is(pg_temp.nw($$INSERT INTO items (id, lo, hi) VALUES (43, 9, 0)$$), 'ok', '05_multi_check: after complete it is not enforced');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.items'),
          '{id,qty,parent_id,sku,lo,hi,region,zone,pid,pcode}'::name[], '05_multi_check: after complete the view keeps the column order');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 06_multi_unique: drop_multicolumn_constraint items_region_zone_key
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('06_multi_unique', $j${"operations": [
  {"drop_multicolumn_constraint": {"table": "items", "name": "items_region_zone_key",
     "up": {"zone": "zone"},
     "down": {"region": "region", "zone": "zone * 1000 + id"}}}]}$j$);
SELECT pg_temp.before_start('06_multi_unique') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('06_multi_unique'), 'tap_drop_constraints_06_multi_unique', '06_multi_unique: start');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.work_left(), '', '06_multi_unique: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO items (id, region, zone) VALUES (50, 'r1', 1)$$), 'ok',
          '06_multi_unique: new writer: a duplicate pair is accepted');
SELECT is(pg_temp.oq($$SELECT region, zone FROM items WHERE id = 50$$), '(r1,1050)', '06_multi_unique: the old version sees down''s repair');
SELECT is(pg_temp.ow($$INSERT INTO items (id, region, zone) VALUES (51, 'r1', 1)$$), '23505',
          '06_multi_unique: old writer: the unique constraint still applies');
SELECT pg_temp.before_rollback('06_multi_unique') AS void \gset
SELECT is(pg_temp.rollback(), '06_multi_unique', '06_multi_unique: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('06_multi_unique', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('06_multi_unique'), 'tap_drop_constraints_06_multi_unique', '06_multi_unique: start again');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.complete(), '06_multi_unique', '06_multi_unique: complete');
SELECT * FROM pg_temp.after_complete('06_multi_unique');
SELECT is(pg_temp.validated('items_region_zone_key'), NULL, '06_multi_unique: after complete the constraint is gone');
SELECT is(to_regclass('tap_drop_constraints.items_region_zone_key'), NULL, '06_multi_unique: after complete its index is gone');
SELECT is(pg_temp.nw($$INSERT INTO items (id, region, zone) VALUES (52, 'r1', 2)$$), 'ok', '06_multi_unique: after complete a duplicate pair is accepted');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 07_multi_fk: drop_multicolumn_constraint items_parent_code_fk
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('07_multi_fk', $j${"operations": [
  {"drop_multicolumn_constraint": {"table": "items", "name": "items_parent_code_fk",
     "down": {"pid": "CASE WHEN (pid, pcode) IN (SELECT id, code FROM parents) THEN pid END",
              "pcode": "CASE WHEN (pid, pcode) IN (SELECT id, code FROM parents) THEN pcode END"}}}]}$j$);
SELECT pg_temp.before_start('07_multi_fk') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('07_multi_fk'), 'tap_drop_constraints_07_multi_fk', '07_multi_fk: start');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.work_left(), '', '07_multi_fk: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO items (id, pid, pcode) VALUES (60, 9, 'zz')$$), 'ok',
          '07_multi_fk: new writer: the dropped foreign key is no longer enforced');
SELECT is(pg_temp.oq($$SELECT pid, pcode FROM items WHERE id = 60$$), '(,)', '07_multi_fk: the old version sees down''s repair');
SELECT is(pg_temp.nw($$INSERT INTO items (id, pid, pcode) VALUES (61, 1, 'p1')$$), 'ok', '07_multi_fk: new writer: a valid reference');
SELECT is(pg_temp.oq($$SELECT pid, pcode FROM items WHERE id = 61$$), '(1,p1)', '07_multi_fk: the old version sees it');
SELECT is(pg_temp.ow($$INSERT INTO items (id, pid, pcode) VALUES (62, 9, 'zz')$$), '23503',
          '07_multi_fk: old writer: the foreign key still applies');
SELECT pg_temp.before_rollback('07_multi_fk') AS void \gset
SELECT is(pg_temp.rollback(), '07_multi_fk', '07_multi_fk: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('07_multi_fk', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('07_multi_fk'), 'tap_drop_constraints_07_multi_fk', '07_multi_fk: start again');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.complete(), '07_multi_fk', '07_multi_fk: complete');
SELECT * FROM pg_temp.after_complete('07_multi_fk');
SELECT is(pg_temp.cons('items'), 'items_pkey PRIMARY KEY (id); items_qty_small CHECK ((qty < 1000))',
          '07_multi_fk: after complete only the constraints not dropped remain');
SELECT is(pg_temp.nw($$INSERT INTO items (id, pid, pcode) VALUES (63, 9, 'zz')$$), 'ok', '07_multi_fk: after complete a dangling pair is accepted');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.items'),
          '{id,qty,parent_id,sku,lo,hi,region,zone,pid,pcode}'::name[], '07_multi_fk: after complete the view keeps the column order');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 08_serial_unique: drop_constraint counters_n_key on a serial column
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('08_serial_unique', $j${"operations": [
  {"drop_constraint": {"table": "counters", "name": "counters_n_key", "down": "n + id * 1000"}}]}$j$);
SELECT pg_temp.before_start('08_serial_unique') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('08_serial_unique'), 'tap_drop_constraints_08_serial_unique', '08_serial_unique: start');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.work_left(), '', '08_serial_unique: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO counters (label) VALUES ('new')$$), 'ok', '08_serial_unique: new writer inserts');
SELECT is(pg_temp.nq($$SELECT n > 5 FROM counters WHERE label = 'new'$$), '(t)', '08_serial_unique: the sequence gives a fresh value');
SELECT is(pg_temp.nw($$INSERT INTO counters (n, label) VALUES (1, 'dup')$$), 'ok', '08_serial_unique: new writer: a duplicate is accepted');
SELECT is(pg_temp.ow($$INSERT INTO counters (n, label) VALUES (1, 'dup')$$), '23505', '08_serial_unique: old writer: the unique constraint still applies');
SELECT pg_temp.before_rollback('08_serial_unique') AS void \gset
SELECT is(pg_temp.rollback(), '08_serial_unique', '08_serial_unique: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('08_serial_unique', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('08_serial_unique'), 'tap_drop_constraints_08_serial_unique', '08_serial_unique: start again');
CALL pgroll.wait('tap_drop_constraints', '2 minutes');
SELECT is(pg_temp.complete(), '08_serial_unique', '08_serial_unique: complete');
SELECT * FROM pg_temp.after_complete('08_serial_unique');
SELECT is(pg_temp.cons('counters'), 'counters_pkey PRIMARY KEY (id)', '08_serial_unique: after complete the constraint is gone');
SELECT is(pg_temp.coldef('counters', 'n'), 'integer NOT NULL DEFAULT nextval(''tap_drop_constraints.counters_n_seq''::regclass)',
          '08_serial_unique: after complete the column keeps NOT NULL and its sequence default');
SELECT is(pg_get_serial_sequence('tap_drop_constraints.counters', 'n'), 'tap_drop_constraints.counters_n_seq',
          '08_serial_unique: after complete the sequence survives, owned by the column');
SELECT is(pg_temp.nw($$INSERT INTO counters (label) VALUES ('after')$$), 'ok', '08_serial_unique: after complete insert');
SELECT is(pg_temp.nq($$SELECT n = (SELECT last_value FROM tap_drop_constraints.counters_n_seq) AND n > 5 FROM counters WHERE label = 'after'$$),
          '(t)', '08_serial_unique: after complete the value comes from the surviving sequence');
SELECT is(pg_temp.nw($$INSERT INTO counters (n, label) VALUES (1, 'dup2')$$), 'ok', '08_serial_unique: after complete duplicates are accepted');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- Refusals: validate and start raise the same error; nothing changes
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES
('bad_missing', $j${"operations": [{"drop_constraint": {"table": "items", "name": "no_such_constraint", "down": "qty"}}]}$j$),
('bad_multi_single', $j${"operations": [{"drop_constraint": {"table": "parents", "name": "parents_id_code_key", "down": "code"}}]}$j$),
('bad_missing_down', $j${"operations": [{"drop_multicolumn_constraint": {"table": "parents", "name": "parents_id_code_key",
   "down": {"id": "id"}}}]}$j$),
('bad_extra_up', $j${"operations": [{"drop_multicolumn_constraint": {"table": "parents", "name": "parents_id_code_key",
   "up": {"id": "id", "nope": "id"}, "down": {"id": "id", "code": "code"}}}]}$j$),
('bad_table', $j${"operations": [{"drop_constraint": {"table": "no_such_table", "name": "x", "down": "x"}}]}$j$),
('bad_down_expr', $j${"operations": [{"drop_constraint": {"table": "parents", "name": "parents_pkey", "down": "no_such_column"}}]}$j$);
SELECT pg_temp.before_start('bad') AS void \gset
SELECT is(pg_temp.start_error('bad_missing'), '42704', 'refused: an unknown constraint');
SELECT is(pg_temp.start_error('bad_multi_single'), '22023', 'refused: drop_constraint of a multi-column constraint');
SELECT is(pg_temp.start_error('bad_missing_down'), '22023', 'refused: drop_multicolumn_constraint without down for a column');
SELECT is(pg_temp.start_error('bad_extra_up'), '22023', 'refused: up for a column not in the constraint');
SELECT is(pg_temp.start_error('bad_table'), '42P01', 'refused: an unknown table');
SELECT is(pg_temp.start_error('bad_down_expr'), '42703', 'refused: a down that does not compile');
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error(id) FROM migration_docs WHERE id LIKE 'bad%' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error(id) FROM migration_docs WHERE id LIKE 'bad%' ORDER BY id$$,
    'refused: validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot(), (SELECT catalog FROM snaps WHERE id = 'bad'), 'refused: nothing changed');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_drop_constraints' AND name LIKE 'bad%'), 0,
          'refused: no history rows');

SELECT * FROM finish();

-- clean up
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tap\_drop\_constraints%' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
    DELETE FROM pgroll.jobs WHERE schema = 'tap_drop_constraints';
    DELETE FROM pgroll.migrations WHERE schema = 'tap_drop_constraints';
END $$;
