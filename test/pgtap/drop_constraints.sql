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
-- Helpers: the shared ones (rewrite_helpers.psql), then this file's own
-- ---------------------------------------------------------------------

SET tap.schema = 'tap_drop_constraints';
\ir rewrite_helpers.psql

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
