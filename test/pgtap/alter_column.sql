-- pgTAP tests for alter_column (and drop_column with down).
--
-- Background work (backfill, concurrent index builds, VALIDATE) runs in the
-- worker after start commits, so this file runs in autocommit mode, without
-- an enclosing transaction: it cleans up its schema first and last.
--
-- Base: 01_base (a sql migration creating the tables), completed.  Then one
-- migration per sub-form; each is started, written to through both
-- versions (values, NULLs, values the new version must refuse), read
-- through both, rolled back (catalog, pg_dump --schema-only and data
-- identical to before), started again, completed, and checked (type,
-- nullability, default, comment, constraints by name, indexes by
-- definition, column order in the views, no _pgroll_ leftovers):
--
--   02_type         int -> numeric(12,2) with up/down; keeps NOT NULL,
--                   default, check, a unique constraint, the comment
--   03_not_null     nullable false (23514 while active, 23502 after)
--   04_nullable     nullable true
--   05_default      a default, and null to drop one
--   06_comment      a comment, and null to remove one
--   07_check, 08_unique, 09_references
--   10_multi        type, NOT NULL, default, comment, check and unique at once
--   11_compose      type, then NOT NULL, then a check on one column: the ups
--                   compose in order, the downs in reverse
--   12_pk_type      int -> bigint of a primary key another table references
--   13_composite    a member of a composite primary key another table references
--   14_identity     GENERATED ALWAYS / BY DEFAULT identities int -> bigint
--   15_serial       a serial column int -> bigint
--   16_indexes      expression, partial, multi-column, hash, unique partial
--                   and opclass/storage-parameter indexes on the column
--   17_nopk         a table without any key (3000 rows, several batches)
--   18_type_default a type change dropping a default and a check that no
--                   longer apply, keeping those that do
--   19_drop_column  drop_column with down
--   20_unbackfilled new and old writers update rows the backfill has not
--                   reached yet
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
\set dumpcmd 'pg_dump --schema-only --schema=''tap_alter_column*'' 2>&1 | grep -Ev ''^.(un)?restrict '''

-- a clean slate (an earlier run may have stopped half-way)
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tap\_alter\_column%' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
    DELETE FROM pgroll.jobs WHERE schema = 'tap_alter_column';
    DELETE FROM pgroll.migrations WHERE schema = 'tap_alter_column';
END $$;

SELECT plan(541);
CREATE SCHEMA tap_alter_column;

-- ---------------------------------------------------------------------
-- Helpers: the shared ones (rewrite_helpers.psql), then this file's own
-- ---------------------------------------------------------------------

SET tap.schema = 'tap_alter_column';
\ir rewrite_helpers.psql

CREATE FUNCTION pg_temp.after_rollback(m text, dump_before text, dump_after text)
RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
    RETURN NEXT ok(dump_before LIKE '%CREATE TABLE tap_alter_column.accounts%'
                   AND dump_before LIKE '%CREATE VIEW tap_alter_column\_%',
                   m || ': pg_dump --schema-only shows the tables and the version views');
    RETURN NEXT hasnt_schema('tap_alter_column_' || m, m || ': rollback drops the new version schema');
    RETURN NEXT is(dump_after, dump_before, m || ': after rollback, pg_dump --schema-only is identical');
    RETURN NEXT is(pg_temp.snapshot(), (SELECT catalog FROM snaps WHERE id = m),
                   m || ': after rollback, the catalog is identical');
    RETURN NEXT is(pg_temp.all_data('tap_alter_column_' || pgroll.latest_version('tap_alter_column')),
                   (SELECT data FROM snaps WHERE id = m),
                   m || ': after rollback, the old version shows the same rows');
    RETURN NEXT is(pg_temp.leftovers(), '', m || ': no _pgroll_ objects after rollback');
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('01_base', jsonb_build_object('operations', jsonb_build_array(
  jsonb_build_object('sql', jsonb_build_object('up', $sql$
CREATE TABLE regions (code text PRIMARY KEY, name text);
INSERT INTO regions VALUES ('eu', 'Europe'), ('us', 'America');

CREATE TABLE accounts (
    id int PRIMARY KEY,
    code text NOT NULL,
    balance int NOT NULL DEFAULT 0 CONSTRAINT accounts_balance_nonneg CHECK (balance >= 0),
    region text,
    region_code text,
    email text,
    note text,
    kind text DEFAULT 'basic',
    CONSTRAINT accounts_region_balance_key UNIQUE (region, balance));
COMMENT ON COLUMN accounts.balance IS 'in cents';
INSERT INTO accounts VALUES
    (1, 'A001', 1250, 'north', 'eu', 'a@x', 'first', 'basic'),
    (2, 'B2', 0, NULL, 'xx', 'b@x', NULL, 'pro'),
    (3, 'C00003', 99, 'south', NULL, NULL, 'third', NULL);

CREATE TABLE scores (id int PRIMARY KEY, points text, ratio text);
INSERT INTO scores VALUES (1, '10', '5'), (2, 'abc', NULL), (3, NULL, '-3'), (4, '5000', '1');

CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO people SELECT g, 'person ' || g FROM generate_series(1, 500) g;
CREATE TABLE pets (id int PRIMARY KEY,
    owner_id int NOT NULL CONSTRAINT pets_owner_fk REFERENCES people (id) ON DELETE CASCADE,
    name text);
INSERT INTO pets SELECT g, g * 5, 'pet ' || g FROM generate_series(1, 100) g;

CREATE TABLE pairs (a int, b text, v int, PRIMARY KEY (a, b));
INSERT INTO pairs SELECT g % 30, 'b' || (g / 30), g FROM generate_series(1, 300) g;
CREATE TABLE pair_notes (id int PRIMARY KEY, a int, b text, note text,
    CONSTRAINT pair_notes_pair_fk FOREIGN KEY (a, b) REFERENCES pairs (a, b) ON DELETE CASCADE);
INSERT INTO pair_notes SELECT g, g % 30, 'b' || (g / 30), 'note ' || g FROM generate_series(1, 10) g;

CREATE TABLE ident_always (id int GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 5) PRIMARY KEY,
    label text);
INSERT INTO ident_always (label) SELECT 'a' || g FROM generate_series(1, 20) g;
CREATE TABLE ident_default (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, label text);
INSERT INTO ident_default (label) SELECT 'd' || g FROM generate_series(1, 20) g;
CREATE TABLE serials (id serial PRIMARY KEY, label text);
INSERT INTO serials (label) SELECT 's' || g FROM generate_series(1, 20) g;

CREATE TABLE docs (id int PRIMARY KEY, title text, kind int, body text);
INSERT INTO docs SELECT g, CASE WHEN g % 10 <> 0 THEN 'doc ' || g END, g % 3, 'body ' || g
  FROM generate_series(1, 200) g;
CREATE INDEX docs_title_lower_idx ON docs (lower(title));
CREATE INDEX docs_kind_partial_idx ON docs (kind) WHERE title IS NOT NULL;
CREATE INDEX docs_kind_title_idx ON docs (kind, title DESC NULLS LAST);
CREATE INDEX docs_title_hash_idx ON docs USING hash (title);
CREATE UNIQUE INDEX docs_title_uidx ON docs (title) WHERE kind = 1;
CREATE INDEX docs_title_pattern_idx ON docs (title text_pattern_ops) WITH (fillfactor = 70);
CREATE INDEX docs_body_idx ON docs (body);

CREATE TABLE events (kind text, n int);
INSERT INTO events SELECT 'k' || (g % 7), g FROM generate_series(1, 3000) g;

CREATE TABLE slow (id int PRIMARY KEY, v int, note text);
INSERT INTO slow SELECT g, g, NULL FROM generate_series(1, 300) g;

CREATE TABLE legacy (id int PRIMARY KEY,
    v text DEFAULT '7' CONSTRAINT legacy_v_not_empty CHECK (v <> ''),
    w int DEFAULT 5 CONSTRAINT legacy_w_small CHECK (w < 100));
INSERT INTO legacy VALUES (1, '1', 1), (2, NULL, 2);
$sql$)))));

SELECT is(pg_temp.start('01_base'), 'tap_alter_column_01_base', '01_base: start');
SELECT is(pg_temp.complete(), '01_base', '01_base: complete');

-- ---------------------------------------------------------------------
-- 02_type: accounts.balance int -> numeric(12,2), cents -> units
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('02_type', $j${"operations": [
  {"alter_column": {"table": "accounts", "column": "balance", "type": "numeric(12,2)",
     "up": "balance / 100.0", "down": "(balance * 100)::int"}}]}$j$);
SELECT pg_temp.before_start('02_type') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('02_type'), 'tap_alter_column_02_type', '02_type: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '02_type: the background work is done');
SELECT is(pg_temp.nq($$SELECT id, balance FROM accounts WHERE id <= 3 ORDER BY id$$),
          '(1,12.50) (2,0.00) (3,0.99)', '02_type: existing rows are backfilled through up');
SELECT is(pg_temp.coltype(pg_temp.new_version() || '.accounts', 'balance'), 'numeric(12,2)',
          '02_type: the new version shows the new type');
SELECT is(pg_temp.coltype(pg_temp.old_version() || '.accounts', 'balance'), 'integer',
          '02_type: the old version keeps the old type');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.accounts'),
          '{id,code,balance,region,region_code,email,note,kind}'::name[],
          '02_type: the new version shows the column in its place');
SELECT is(pg_temp.coldefault(pg_temp.new_version() || '.accounts', 'balance'), '0',
          '02_type: the new version''s view carries the default');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (201, 'N201', 12.34, 'east')$$),
          'ok', '02_type: new writer inserts a value');
SELECT is(pg_temp.oq($$SELECT balance FROM accounts WHERE id = 201$$), '(1234)',
          '02_type: the old version sees it through down');
SELECT ok(pg_temp.nw($$INSERT INTO accounts (id, code, balance) VALUES (202, 'N202', NULL)$$) IN ('23502', '23514'),
          '02_type: new writer: NULL refused');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance) VALUES (203, 'N203', -1)$$),
          '23514', '02_type: new writer: the copied check refuses a negative balance');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (204, 'N204', 12.50, 'north')$$),
          '23505', '02_type: new writer: the copied unique constraint (region, balance) is enforced');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region) VALUES (205, 'O205', 500, 'west')$$),
          'ok', '02_type: old writer inserts a value');
SELECT is(pg_temp.nq($$SELECT balance FROM accounts WHERE id = 205$$), '(5.00)',
          '02_type: the new version sees it through up');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance) VALUES (206, 'O206', NULL)$$),
          '23502', '02_type: old writer: NULL refused by the old column');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance) VALUES (207, 'O207', -5)$$),
          '23514', '02_type: old writer: the old check still applies');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region) VALUES (208, 'O208', 1250, 'north')$$),
          '23505', '02_type: old writer: the old unique constraint still applies');
SELECT is(pg_temp.ow($$UPDATE accounts SET balance = 777 WHERE id = 3$$), 'ok', '02_type: old writer updates');
SELECT is(pg_temp.nq($$SELECT balance FROM accounts WHERE id = 3$$), '(7.77)',
          '02_type: the new version sees the old writer''s update');
SELECT is(pg_temp.nw($$UPDATE accounts SET balance = 1.5 WHERE id = 2$$), 'ok', '02_type: new writer updates');
SELECT is(pg_temp.oq($$SELECT balance FROM accounts WHERE id = 2$$), '(150)',
          '02_type: the old version sees the new writer''s update');
SELECT is(pg_temp.write_with_guc('02_type',
              $$INSERT INTO tap_alter_column_02_type.accounts (id, code, balance) VALUES (209, 'G209', 2.09)$$),
          'ok', '02_type: a writer naming its version with pgroll.version inserts');
SELECT is(pg_temp.oq($$SELECT balance FROM accounts WHERE id = 209$$), '(209)',
          '02_type: pgroll.version makes it a new writer (down applied)');
SELECT is(pg_temp.nq($$SELECT id, balance FROM accounts ORDER BY id$$),
          '(1,12.50) (2,1.50) (3,7.77) (201,12.34) (205,5.00) (209,2.09)', '02_type: reads through the new version');
SELECT is(pg_temp.oq($$SELECT id, balance FROM accounts ORDER BY id$$),
          '(1,1250) (2,150) (3,777) (201,1234) (205,500) (209,209)', '02_type: reads through the old version');
SELECT pg_temp.before_rollback('02_type') AS void \gset
SELECT is(pg_temp.rollback(), '02_type', '02_type: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('02_type', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('02_type'), 'tap_alter_column_02_type', '02_type: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '02_type', '02_type: complete');
SELECT * FROM pg_temp.after_complete('02_type');
SELECT is(pg_temp.coldef('accounts', 'balance'), 'numeric(12,2) NOT NULL DEFAULT 0 COMMENT in cents',
          '02_type: after complete: type, NOT NULL, default and comment');
SELECT is(pg_temp.cons('accounts'),
          'accounts_balance_nonneg CHECK ((balance >= (0)::numeric)); accounts_pkey PRIMARY KEY (id); '
          'accounts_region_balance_key UNIQUE (region, balance)',
          '02_type: after complete: the constraints under their names');
SELECT is(pg_temp.idx('accounts'),
          'CREATE UNIQUE INDEX accounts_pkey ON tap_alter_column.accounts USING btree (id); '
          'CREATE UNIQUE INDEX accounts_region_balance_key ON tap_alter_column.accounts USING btree (region, balance)',
          '02_type: after complete: the indexes');
SELECT is(pg_temp.validated('accounts_balance_nonneg'), 'true', '02_type: the check is validated');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.accounts'),
          '{id,code,balance,region,region_code,email,note,kind}'::name[],
          '02_type: after complete the column keeps its place in the view');
SELECT is(pg_temp.nq($$SELECT id, balance FROM accounts ORDER BY id$$),
          '(1,12.50) (2,1.50) (3,7.77) (201,12.34) (205,5.00) (209,2.09)', '02_type: after complete the data');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance) VALUES (210, 'N210', NULL)$$),
          '23502', '02_type: after complete NULL is a not_null_violation');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance) VALUES (211, 'N211', -0.01)$$),
          '23514', '02_type: after complete the check is enforced');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (212, 'N212', 12.34, 'east')$$),
          '23505', '02_type: after complete the unique constraint is enforced');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code) VALUES (213, 'N213')$$), 'ok',
          '02_type: after complete the default applies');
SELECT is(pg_temp.nq($$SELECT balance FROM accounts WHERE id = 213$$), '(0.00)', '02_type: the default value');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 03_not_null: accounts.region becomes NOT NULL
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('03_not_null', $j${"operations": [
  {"alter_column": {"table": "accounts", "column": "region", "nullable": false,
     "up": "coalesce(region, 'unknown')"}}]}$j$);
SELECT pg_temp.before_start('03_not_null') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('03_not_null'), 'tap_alter_column_03_not_null', '03_not_null: start');
SELECT is(pg_temp.validated('_pgroll_check_not_null_region'), 'false',
          '03_not_null: a NOT VALID check stands for NOT NULL while the backfill runs');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '03_not_null: the background work is done');
SELECT is(pg_temp.validated('_pgroll_check_not_null_region'), 'true',
          '03_not_null: the worker validated the check after the backfill');
SELECT is(pg_temp.nq($$SELECT id, region FROM accounts WHERE id IN (1, 2, 209) ORDER BY id$$),
          '(1,north) (2,unknown) (209,unknown)', '03_not_null: NULLs are backfilled through up');
SELECT is(pg_temp.oq($$SELECT id, region FROM accounts WHERE id IN (2, 209) ORDER BY id$$),
          '(2,) (209,)', '03_not_null: the old version still shows NULL');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (301, 'N301', 3.01, NULL)$$),
          '23514', '03_not_null: new writer: NULL is a check_violation while active');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance) VALUES (302, 'N302', 3.02)$$),
          '23514', '03_not_null: new writer: an omitted column (no default) is refused too');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (303, 'N303', 3.03, 'east')$$),
          'ok', '03_not_null: new writer inserts a value');
SELECT is(pg_temp.oq($$SELECT region FROM accounts WHERE id = 303$$), '(east)',
          '03_not_null: the old version sees it');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region) VALUES (304, 'O304', 304, NULL)$$),
          'ok', '03_not_null: old writer may still write NULL');
SELECT is(pg_temp.nq($$SELECT region FROM accounts WHERE id = 304$$), '(unknown)',
          '03_not_null: the new version sees the old writer''s NULL through up');
SELECT is(pg_temp.ow($$UPDATE accounts SET region = 'up' WHERE id = 304$$), 'ok', '03_not_null: old writer updates');
SELECT is(pg_temp.nq($$SELECT region FROM accounts WHERE id = 304$$), '(up)',
          '03_not_null: the new version sees the update');
SELECT pg_temp.before_rollback('03_not_null') AS void \gset
SELECT is(pg_temp.rollback(), '03_not_null', '03_not_null: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('03_not_null', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('03_not_null'), 'tap_alter_column_03_not_null', '03_not_null: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '03_not_null', '03_not_null: complete');
SELECT * FROM pg_temp.after_complete('03_not_null');
SELECT is(pg_temp.coldef('accounts', 'region'), 'text NOT NULL', '03_not_null: after complete the column is NOT NULL');
SELECT is(pg_temp.cons('accounts'),
          'accounts_balance_nonneg CHECK ((balance >= (0)::numeric)); accounts_pkey PRIMARY KEY (id); '
          'accounts_region_balance_key UNIQUE (region, balance)',
          '03_not_null: after complete the constraints (the NOT NULL check is gone)');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (305, 'N305', 3.05, NULL)$$),
          '23502', '03_not_null: after complete NULL is a not_null_violation');
SELECT is(pg_temp.nq($$SELECT id, region FROM accounts WHERE id IN (2, 303, 304) ORDER BY id$$),
          '(2,unknown) (303,east) (304,up)', '03_not_null: after complete the data');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 04_nullable: accounts.code loses its NOT NULL
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('04_nullable', $j${"operations": [
  {"alter_column": {"table": "accounts", "column": "code", "nullable": true,
     "down": "coalesce(code, 'none')"}}]}$j$);
SELECT pg_temp.before_start('04_nullable') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('04_nullable'), 'tap_alter_column_04_nullable', '04_nullable: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '04_nullable: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (401, NULL, 4.01, 'r')$$),
          'ok', '04_nullable: new writer may write NULL');
SELECT is(pg_temp.nq($$SELECT code FROM accounts WHERE id = 401$$), '()', '04_nullable: the new version sees NULL');
SELECT is(pg_temp.oq($$SELECT code FROM accounts WHERE id = 401$$), '(none)',
          '04_nullable: the old version sees down''s value');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region) VALUES (402, NULL, 402, 'r')$$),
          '23502', '04_nullable: old writer: NULL still refused');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region) VALUES (403, 'O403', 403, 'r')$$),
          'ok', '04_nullable: old writer inserts a value');
SELECT is(pg_temp.nq($$SELECT code FROM accounts WHERE id = 403$$), '(O403)', '04_nullable: the new version sees it');
SELECT is(pg_temp.nw($$UPDATE accounts SET code = NULL WHERE id = 403$$), 'ok', '04_nullable: new writer sets NULL');
SELECT is(pg_temp.oq($$SELECT code FROM accounts WHERE id = 403$$), '(none)',
          '04_nullable: the old version sees down''s value for the update');
SELECT pg_temp.before_rollback('04_nullable') AS void \gset
SELECT is(pg_temp.rollback(), '04_nullable', '04_nullable: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('04_nullable', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('04_nullable'), 'tap_alter_column_04_nullable', '04_nullable: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '04_nullable', '04_nullable: complete');
SELECT * FROM pg_temp.after_complete('04_nullable');
SELECT is(pg_temp.coldef('accounts', 'code'), 'text', '04_nullable: after complete the column is nullable');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (405, NULL, 4.05, 'r')$$),
          'ok', '04_nullable: after complete NULL is accepted');
SELECT is(pg_temp.nq($$SELECT id, code FROM accounts WHERE id BETWEEN 401 AND 405 ORDER BY id$$),
          '(401,none) (403,none) (405,)', '04_nullable: after complete the data (old column values kept)');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 05_default: accounts.note gets a default; accounts.kind loses its default
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('05_default', $j${"operations": [
  {"alter_column": {"table": "accounts", "column": "note", "default": "'n/a'"}},
  {"alter_column": {"table": "accounts", "column": "kind", "default": null}}]}$j$);
SELECT pg_temp.before_start('05_default') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('05_default'), 'tap_alter_column_05_default', '05_default: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '05_default: the background work is done');
SELECT is(pg_temp.coldefault(pg_temp.new_version() || '.accounts', 'note'), '''n/a''::text',
          '05_default: the new version''s view has the new default');
SELECT is(pg_temp.coldefault(pg_temp.new_version() || '.accounts', 'kind'), NULL,
          '05_default: the new version''s view has no default for the dropped one');
SELECT is(pg_temp.coldefault(pg_temp.old_version() || '.accounts', 'kind'), '''basic''::text',
          '05_default: the old version''s view keeps the old default');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (501, 'N501', 5.01, 'r')$$),
          'ok', '05_default: new writer inserts without note and kind');
SELECT is(pg_temp.nq($$SELECT note, kind FROM accounts WHERE id = 501$$), '(n/a,)',
          '05_default: new writer gets the new defaults');
SELECT is(pg_temp.oq($$SELECT note, kind FROM accounts WHERE id = 501$$), '(n/a,)',
          '05_default: the old version sees the new writer''s values');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region) VALUES (502, 'O502', 502, 'r')$$),
          'ok', '05_default: old writer inserts without note and kind');
SELECT is(pg_temp.oq($$SELECT note, kind FROM accounts WHERE id = 502$$), '(,basic)',
          '05_default: old writer gets the old defaults');
SELECT is(pg_temp.nq($$SELECT note, kind FROM accounts WHERE id = 502$$), '(,basic)',
          '05_default: the new version sees the old writer''s values');
SELECT pg_temp.before_rollback('05_default') AS void \gset
SELECT is(pg_temp.rollback(), '05_default', '05_default: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('05_default', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('05_default'), 'tap_alter_column_05_default', '05_default: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '05_default', '05_default: complete');
SELECT * FROM pg_temp.after_complete('05_default');
SELECT is(pg_temp.coldef('accounts', 'note'), 'text DEFAULT ''n/a''::text', '05_default: after complete note has the default');
SELECT is(pg_temp.coldef('accounts', 'kind'), 'text', '05_default: after complete kind has no default');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (503, 'N503', 5.03, 'r')$$),
          'ok', '05_default: insert after complete');
SELECT is(pg_temp.nq($$SELECT id, note, kind FROM accounts WHERE id BETWEEN 501 AND 503 ORDER BY id$$),
          '(501,n/a,) (502,,basic) (503,n/a,)', '05_default: after complete the data');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 06_comment: a comment on accounts.note; accounts.balance's removed
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('06_comment', $j${"operations": [
  {"alter_column": {"table": "accounts", "column": "note", "comment": "the note"}},
  {"alter_column": {"table": "accounts", "column": "balance", "comment": null}}]}$j$);
SELECT pg_temp.before_start('06_comment') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('06_comment'), 'tap_alter_column_06_comment', '06_comment: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '06_comment: the background work is done');
SELECT is(pg_temp.coldef('accounts', 'balance'), 'numeric(12,2) NOT NULL DEFAULT 0 COMMENT in cents',
          '06_comment: while active the old column keeps its comment');
SELECT is(pg_temp.coldef('accounts', 'note'), 'text DEFAULT ''n/a''::text',
          '06_comment: while active the old column has no new comment');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region, note) VALUES (601, 'N601', 6.01, 'r', 'hello')$$),
          'ok', '06_comment: new writer inserts');
SELECT is(pg_temp.oq($$SELECT note, balance FROM accounts WHERE id = 601$$), '(hello,6.01)',
          '06_comment: the old version sees the new writer''s values');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region, note) VALUES (602, 'O602', 6.02, 'r', 'bye')$$),
          'ok', '06_comment: old writer inserts');
SELECT is(pg_temp.nq($$SELECT note, balance FROM accounts WHERE id = 602$$), '(bye,6.02)',
          '06_comment: the new version sees the old writer''s values');
SELECT pg_temp.before_rollback('06_comment') AS void \gset
SELECT is(pg_temp.rollback(), '06_comment', '06_comment: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('06_comment', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('06_comment'), 'tap_alter_column_06_comment', '06_comment: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '06_comment', '06_comment: complete');
SELECT * FROM pg_temp.after_complete('06_comment');
SELECT is(pg_temp.coldef('accounts', 'note'), 'text DEFAULT ''n/a''::text COMMENT the note',
          '06_comment: after complete note has the comment (and keeps its default)');
SELECT is(pg_temp.coldef('accounts', 'balance'), 'numeric(12,2) NOT NULL DEFAULT 0',
          '06_comment: after complete balance has no comment (and keeps the rest)');
SELECT is(pg_temp.cons('accounts'),
          'accounts_balance_nonneg CHECK ((balance >= (0)::numeric)); accounts_pkey PRIMARY KEY (id); '
          'accounts_region_balance_key UNIQUE (region, balance)',
          '06_comment: after complete the constraints are unchanged');
SELECT is(pg_temp.nq($$SELECT id, note, balance FROM accounts WHERE id IN (601, 602) ORDER BY id$$),
          '(601,hello,6.01) (602,bye,6.02)', '06_comment: after complete the data');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 07_check: a check on accounts.code
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('07_check', $j${"operations": [
  {"alter_column": {"table": "accounts", "column": "code",
     "check": {"name": "accounts_code_len", "constraint": "length(code) <= 4", "no_inherit": true},
     "up": "left(code, 4)", "down": "code"}}]}$j$);
SELECT pg_temp.before_start('07_check') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('07_check'), 'tap_alter_column_07_check', '07_check: start');
SELECT is(pg_temp.validated('accounts_code_len'), 'false', '07_check: the check is added NOT VALID');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '07_check: the background work is done');
SELECT is(pg_temp.validated('accounts_code_len'), 'true', '07_check: the worker validated the check');
SELECT is(pg_temp.nq($$SELECT code FROM accounts WHERE id = 3$$), '(C000)', '07_check: existing rows repaired by up');
SELECT is(pg_temp.oq($$SELECT code FROM accounts WHERE id = 3$$), '(C00003)', '07_check: the old version keeps the old value');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (701, 'TOOLONG', 7.01, 'r')$$),
          '23514', '07_check: new writer: a violating value is refused');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (702, 'ok', 7.02, 'r')$$),
          'ok', '07_check: new writer: a valid value');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (703, NULL, 7.03, 'r')$$),
          'ok', '07_check: new writer: NULL passes the check');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region) VALUES (704, 'LONGCODE', 7.04, 'r')$$),
          'ok', '07_check: old writer: a violating value is accepted');
SELECT is(pg_temp.nq($$SELECT id, code FROM accounts WHERE id BETWEEN 701 AND 704 ORDER BY id$$),
          '(702,ok) (703,) (704,LONG)', '07_check: the new version sees up''s repair');
SELECT is(pg_temp.oq($$SELECT id, code FROM accounts WHERE id BETWEEN 701 AND 704 ORDER BY id$$),
          '(702,ok) (703,) (704,LONGCODE)', '07_check: the old version sees what it wrote');
SELECT pg_temp.before_rollback('07_check') AS void \gset
SELECT is(pg_temp.rollback(), '07_check', '07_check: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('07_check', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('07_check'), 'tap_alter_column_07_check', '07_check: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '07_check', '07_check: complete');
SELECT * FROM pg_temp.after_complete('07_check');
SELECT is(pg_temp.cons('accounts'),
          'accounts_balance_nonneg CHECK ((balance >= (0)::numeric)); accounts_code_len CHECK ((length(code) <= 4)) NO INHERIT; '
          'accounts_pkey PRIMARY KEY (id); accounts_region_balance_key UNIQUE (region, balance)',
          '07_check: after complete the check is there under its name, NO INHERIT');
SELECT is(pg_temp.validated('accounts_code_len'), 'true', '07_check: after complete the check is valid');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (705, 'TOOLONG', 7.05, 'r')$$),
          '23514', '07_check: after complete the check is enforced');
SELECT is(pg_temp.nq($$SELECT id, code FROM accounts WHERE id IN (3, 704) ORDER BY id$$),
          '(3,C000) (704,LONG)', '07_check: after complete the data');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 08_unique: accounts.email becomes unique
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('08_unique', $j${"operations": [
  {"alter_column": {"table": "accounts", "column": "email", "unique": {"name": "accounts_email_key"},
     "up": "CASE WHEN email LIKE '%@dup' THEN email || '#' || id ELSE email END", "down": "email"}}]}$j$);
SELECT pg_temp.before_start('08_unique') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('08_unique'), 'tap_alter_column_08_unique', '08_unique: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '08_unique: the background work is done');
SELECT is((SELECT indisunique AND indisvalid FROM pg_index WHERE indexrelid = to_regclass('tap_alter_column.accounts_email_key')),
          true, '08_unique: a valid unique index accounts_email_key was built');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region, email) VALUES (801, 'N801', 8.01, 'r', 'a@x')$$),
          '23505', '08_unique: new writer: a duplicate is refused');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region, email) VALUES (802, 'N802', 8.02, 'r', 'n@x')$$),
          'ok', '08_unique: new writer: a new value');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region, email) VALUES (803, 'N803', 8.03, 'r', NULL), (804, 'N804', 8.04, 'r', NULL)$$),
          'ok', '08_unique: new writer: NULLs are not duplicates');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region, email) VALUES (805, 'O805', 805, 'r', 'z@dup'), (806, 'O806', 806, 'r', 'z@dup')$$),
          'ok', '08_unique: old writer: duplicates that up makes unique are accepted');
SELECT is(pg_temp.nq($$SELECT id, email FROM accounts WHERE id BETWEEN 801 AND 806 ORDER BY id$$),
          '(802,n@x) (803,) (804,) (805,z@dup#805) (806,z@dup#806)', '08_unique: the new version sees up''s values');
SELECT is(pg_temp.oq($$SELECT id, email FROM accounts WHERE id IN (802, 805, 806) ORDER BY id$$),
          '(802,n@x) (805,z@dup) (806,z@dup)', '08_unique: the old version sees what was written');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region, email) VALUES (807, 'O807', 807, 'r', 'a@x')$$),
          '23505', '08_unique: old writer: a duplicate that up leaves a duplicate is refused');
SELECT pg_temp.before_rollback('08_unique') AS void \gset
SELECT is(pg_temp.rollback(), '08_unique', '08_unique: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('08_unique', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('08_unique'), 'tap_alter_column_08_unique', '08_unique: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '08_unique', '08_unique: complete');
SELECT * FROM pg_temp.after_complete('08_unique');
SELECT is(pg_temp.cons('accounts'),
          'accounts_balance_nonneg CHECK ((balance >= (0)::numeric)); accounts_code_len CHECK ((length(code) <= 4)) NO INHERIT; '
          'accounts_email_key UNIQUE (email); accounts_pkey PRIMARY KEY (id); accounts_region_balance_key UNIQUE (region, balance)',
          '08_unique: after complete the unique constraint is there under its name');
SELECT is(pg_temp.idx('accounts'),
          'CREATE UNIQUE INDEX accounts_email_key ON tap_alter_column.accounts USING btree (email); '
          'CREATE UNIQUE INDEX accounts_pkey ON tap_alter_column.accounts USING btree (id); '
          'CREATE UNIQUE INDEX accounts_region_balance_key ON tap_alter_column.accounts USING btree (region, balance)',
          '08_unique: after complete the indexes');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region, email) VALUES (808, 'N808', 8.08, 'r', 'n@x')$$),
          '23505', '08_unique: after complete a duplicate is refused');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 09_references: accounts.region_code references regions
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('09_references', $j${"operations": [
  {"alter_column": {"table": "accounts", "column": "region_code",
     "references": {"name": "accounts_region_fk", "table": "regions", "column": "code", "on_delete": "SET NULL",
                    "on_update": "CASCADE", "match_type": "SIMPLE", "deferrable": true, "initially_deferred": true},
     "up": "CASE WHEN region_code IN (SELECT code FROM regions) THEN region_code END",
     "down": "region_code"}}]}$j$);
SELECT pg_temp.before_start('09_references') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('09_references'), 'tap_alter_column_09_references', '09_references: start');
SELECT is(pg_temp.validated('accounts_region_fk'), 'false', '09_references: the foreign key is added NOT VALID');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '09_references: the background work is done');
SELECT is(pg_temp.validated('accounts_region_fk'), 'true', '09_references: the worker validated the foreign key');
SELECT is(pg_temp.nq($$SELECT id, region_code FROM accounts WHERE id <= 2 ORDER BY id$$), '(1,eu) (2,)',
          '09_references: existing rows repaired by up');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region, region_code) VALUES (901, 'N901', 9.01, 'r', 'zz')$$),
          '23503', '09_references: new writer: a dangling reference is refused');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region, region_code) VALUES (902, 'N902', 9.02, 'r', 'us')$$),
          'ok', '09_references: new writer: a valid reference');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region, region_code) VALUES (903, 'O903', 903, 'r', 'zz')$$),
          'ok', '09_references: old writer: a dangling reference is accepted');
SELECT is(pg_temp.nq($$SELECT id, region_code FROM accounts WHERE id BETWEEN 901 AND 903 ORDER BY id$$),
          '(902,us) (903,)', '09_references: the new version sees up''s repair');
SELECT is(pg_temp.oq($$SELECT id, region_code FROM accounts WHERE id BETWEEN 901 AND 903 ORDER BY id$$),
          '(902,us) (903,zz)', '09_references: the old version sees what was written');
SELECT pg_temp.before_rollback('09_references') AS void \gset
SELECT is(pg_temp.rollback(), '09_references', '09_references: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('09_references', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('09_references'), 'tap_alter_column_09_references', '09_references: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '09_references', '09_references: complete');
SELECT * FROM pg_temp.after_complete('09_references');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'accounts_region_fk'),
          'FOREIGN KEY (region_code) REFERENCES tap_alter_column.regions(code) ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED',
          '09_references: after complete the foreign key under its name, with its actions and deferral');
SELECT is(pg_temp.validated('accounts_region_fk'), 'true', '09_references: after complete the foreign key is valid');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region, region_code) VALUES (904, 'N904', 9.04, 'r', 'zz')$$),
          '23503', '09_references: after complete a dangling reference is refused');
SELECT is(pg_temp.nw($$DELETE FROM regions WHERE code = 'us'$$), 'ok', '09_references: delete a referenced row');
SELECT is(pg_temp.nq($$SELECT id, region_code FROM accounts WHERE id = 902$$), '(902,)',
          '09_references: ON DELETE SET NULL applies');
SELECT is(pg_temp.nw($$UPDATE regions SET code = 'EU' WHERE code = 'eu'$$), 'ok', '09_references: update a referenced key');
SELECT is(pg_temp.nq($$SELECT id, region_code FROM accounts WHERE id = 1$$), '(1,EU)',
          '09_references: ON UPDATE CASCADE applies');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region, region_code) VALUES (905, 'N905', 9.05, 'r', 'xx'); INSERT INTO regions VALUES ('xx', 'late')$$),
          'ok', '09_references: the check is deferred to the end of the transaction');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 10_multi: scores.points: type, NOT NULL, default, comment, check and
-- unique in one alter_column
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('10_multi', $j${"operations": [
  {"alter_column": {"table": "scores", "column": "points", "type": "integer", "nullable": false,
     "default": "0", "comment": "points, 0 to 1000",
     "check": {"name": "scores_points_range", "constraint": "points BETWEEN 0 AND 1000"},
     "unique": {"name": "scores_points_key"},
     "up": "CASE WHEN points ~ '^[0-9]+$' THEN least(points::int, 1000) ELSE id END",
     "down": "points::text"}}]}$j$);
SELECT pg_temp.before_start('10_multi') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('10_multi'), 'tap_alter_column_10_multi', '10_multi: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '10_multi: the background work is done');
SELECT is(pg_temp.nq($$SELECT id, points FROM scores ORDER BY id$$), '(1,10) (2,2) (3,3) (4,1000)',
          '10_multi: existing rows through up');
SELECT is(pg_temp.coltype(pg_temp.new_version() || '.scores', 'points'), 'integer', '10_multi: the new version''s type');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points) VALUES (20, NULL)$$), '23514',
          '10_multi: new writer: NULL refused');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points) VALUES (20, -5)$$), '23514',
          '10_multi: new writer: the check refuses a value');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points) VALUES (20, 10)$$), '23505',
          '10_multi: new writer: the unique constraint refuses a duplicate');
SELECT is(pg_temp.nw($$INSERT INTO scores (id) VALUES (21)$$), 'ok', '10_multi: new writer: the default');
SELECT is(pg_temp.oq($$SELECT points FROM scores WHERE id = 21$$), '(0)', '10_multi: the old version sees the default through down');
SELECT is(pg_temp.ow($$INSERT INTO scores (id, points) VALUES (50, 'x'), (51, '7'), (53, '-4')$$), 'ok',
          '10_multi: old writer: values the new version would refuse');
SELECT is(pg_temp.nq($$SELECT id, points FROM scores WHERE id >= 50 ORDER BY id$$), '(50,50) (51,7) (53,53)',
          '10_multi: the new version sees up''s values');
SELECT is(pg_temp.ow($$INSERT INTO scores (id, points) VALUES (52, '10')$$), '23505',
          '10_multi: old writer: a value up leaves a duplicate is refused');
SELECT pg_temp.before_rollback('10_multi') AS void \gset
SELECT is(pg_temp.rollback(), '10_multi', '10_multi: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('10_multi', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('10_multi'), 'tap_alter_column_10_multi', '10_multi: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '10_multi', '10_multi: complete');
SELECT * FROM pg_temp.after_complete('10_multi');
SELECT is(pg_temp.coldef('scores', 'points'), 'integer NOT NULL DEFAULT 0 COMMENT points, 0 to 1000',
          '10_multi: after complete type, NOT NULL, default and comment');
SELECT is(pg_temp.cons('scores'),
          'scores_pkey PRIMARY KEY (id); scores_points_key UNIQUE (points); '
          'scores_points_range CHECK (((points >= 0) AND (points <= 1000)))',
          '10_multi: after complete the constraints under their names');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.scores'), '{id,points,ratio}'::name[],
          '10_multi: after complete the column keeps its place in the view');
SELECT is(pg_temp.nq($$SELECT id, points FROM scores ORDER BY id$$),
          '(1,10) (2,2) (3,3) (4,1000) (21,0) (50,50) (51,7) (53,53)', '10_multi: after complete the data');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points) VALUES (22, 1001)$$), '23514', '10_multi: after complete the check is enforced');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points) VALUES (22, 7)$$), '23505', '10_multi: after complete the unique constraint is enforced');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points) VALUES (22, NULL)$$), '23502', '10_multi: after complete NOT NULL is enforced');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 11_compose: scores.ratio: text -> int, then NOT NULL, then a check, as
-- three operations: up_1, up_2, up_3 in this order; down_3, down_2, down_1
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('11_compose', $j${"operations": [
  {"alter_column": {"table": "scores", "column": "ratio", "type": "integer",
     "up": "ratio::int * 10", "down": "(ratio / 10)::text"}},
  {"alter_column": {"table": "scores", "column": "ratio", "nullable": false,
     "up": "coalesce(ratio, 1)", "down": "ratio + 1000"}},
  {"alter_column": {"table": "scores", "column": "ratio",
     "check": {"name": "scores_ratio_pos", "constraint": "ratio > 0"},
     "up": "abs(ratio) + 2", "down": "ratio - 2"}}]}$j$);
SELECT pg_temp.before_start('11_compose') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('11_compose'), 'tap_alter_column_11_compose', '11_compose: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '11_compose: the background work is done');
-- '5' -> 50 -> 50 -> 52; NULL -> NULL -> 1 -> 3; '-3' -> -30 -> -30 -> 32
SELECT is(pg_temp.nq($$SELECT id, ratio FROM scores WHERE id <= 4 ORDER BY id$$), '(1,52) (2,3) (3,32) (4,12)',
          '11_compose: existing rows went through the three ups in order');
SELECT is(pg_temp.ow($$INSERT INTO scores (id, points, ratio) VALUES (60, 60, '4'), (61, 61, NULL), (66, 66, '0')$$),
          'ok', '11_compose: old writer inserts');
SELECT is(pg_temp.nq($$SELECT id, ratio FROM scores WHERE id IN (60, 61, 66) ORDER BY id$$), '(60,42) (61,3) (66,2)',
          '11_compose: an old writer''s values went through the ups in order');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points, ratio) VALUES (62, 62, 52)$$), 'ok', '11_compose: new writer inserts');
-- 52 -> 50 -> 1050 -> '105'
SELECT is(pg_temp.oq($$SELECT ratio FROM scores WHERE id = 62$$), '(105)',
          '11_compose: a new writer''s value went through the downs in reverse order');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points, ratio) VALUES (63, 63, NULL)$$), '23514',
          '11_compose: new version enforces NOT NULL (check_violation while active)');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points, ratio) VALUES (64, 64, 0)$$), '23514',
          '11_compose: new version enforces the check');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points, ratio) VALUES (64, 64, 'x')$$), '22P02',
          '11_compose: new version has the new type');
SELECT is(pg_temp.ow($$UPDATE scores SET ratio = '9' WHERE id = 60$$), 'ok', '11_compose: old writer updates');
SELECT is(pg_temp.nq($$SELECT ratio FROM scores WHERE id = 60$$), '(92)', '11_compose: the update went through the ups');
SELECT pg_temp.before_rollback('11_compose') AS void \gset
SELECT is(pg_temp.rollback(), '11_compose', '11_compose: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('11_compose', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('11_compose'), 'tap_alter_column_11_compose', '11_compose: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '11_compose', '11_compose: complete');
SELECT * FROM pg_temp.after_complete('11_compose');
SELECT is(pg_temp.coldef('scores', 'ratio'), 'integer NOT NULL', '11_compose: after complete type and NOT NULL');
SELECT is(pg_temp.cons('scores'),
          'scores_pkey PRIMARY KEY (id); scores_points_key UNIQUE (points); '
          'scores_points_range CHECK (((points >= 0) AND (points <= 1000))); scores_ratio_pos CHECK ((ratio > 0))',
          '11_compose: after complete the constraints');
SELECT is(pg_temp.nq($$SELECT id, ratio FROM scores WHERE id IN (1, 2, 60, 62) ORDER BY id$$),
          '(1,52) (2,3) (60,92) (62,1052)', '11_compose: after complete the data (62 re-backfilled from down''s value)');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points, ratio) VALUES (65, 65, NULL)$$), '23502',
          '11_compose: after complete NULL is a not_null_violation');
SELECT is(pg_temp.nw($$INSERT INTO scores (id, points, ratio) VALUES (65, 65, 0)$$), '23514',
          '11_compose: after complete the check is enforced');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 12_pk_type: people.id int -> bigint, referenced by pets.owner_id
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('12_pk_type', $j${"operations": [
  {"alter_column": {"table": "people", "column": "id", "type": "bigint", "up": "id", "down": "id"}}]}$j$);
SET pgroll.backfill_batch_size = 100;
SET pgroll.backfill_batch_time = 0;
SELECT pg_temp.before_start('12_pk_type') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('12_pk_type'), 'tap_alter_column_12_pk_type', '12_pk_type: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '12_pk_type: the background work is done');
SELECT is(pg_temp.nq($$SELECT count(*), count(id), sum(id) FROM people$$), '(500,500,125250)',
          '12_pk_type: the backfill found every row');
SELECT is(pg_temp.coltype(pg_temp.new_version() || '.people', 'id'), 'bigint', '12_pk_type: the new version''s type');
SELECT is(pg_temp.nw($$INSERT INTO people (id, name) VALUES (1001, 'new')$$), 'ok', '12_pk_type: new writer inserts');
SELECT is(pg_temp.nw($$INSERT INTO people (id, name) VALUES (1001, 'again')$$), '23505',
          '12_pk_type: new writer: the key is unique');
SELECT ok(pg_temp.nw($$INSERT INTO people (id, name) VALUES (NULL, 'null')$$) IN ('23502', '23514'),
          '12_pk_type: new writer: the key is NOT NULL');
SELECT is(pg_temp.ow($$INSERT INTO people (id, name) VALUES (1002, 'old')$$), 'ok', '12_pk_type: old writer inserts');
SELECT is(pg_temp.nw($$INSERT INTO pets (id, owner_id, name) VALUES (1001, 1001, 'p1')$$), 'ok',
          '12_pk_type: a pet of a person the new version inserted');
SELECT is(pg_temp.ow($$INSERT INTO pets (id, owner_id, name) VALUES (1002, 1002, 'p2')$$), 'ok',
          '12_pk_type: a pet of a person the old version inserted');
SELECT is(pg_temp.nw($$INSERT INTO pets (id, owner_id, name) VALUES (1003, 9999, 'p3')$$), '23503',
          '12_pk_type: the foreign key still refuses a dangling reference');
SELECT is(pg_temp.ow($$INSERT INTO people (id, name) VALUES (3000000000, 'big')$$), '22003',
          '12_pk_type: the old version cannot take a bigint');
SELECT is(pg_temp.nw($$DELETE FROM people WHERE id = 1001$$), 'ok', '12_pk_type: new writer deletes a person');
SELECT is(pg_temp.nq($$SELECT count(*) FROM pets WHERE owner_id = 1001$$), '(0)', '12_pk_type: ON DELETE CASCADE applies');
SELECT is(pg_temp.oq($$SELECT id, name FROM people WHERE id > 500 ORDER BY id$$),
          pg_temp.nq($$SELECT id, name FROM people WHERE id > 500 ORDER BY id$$),
          '12_pk_type: both versions read the same rows');
SELECT pg_temp.before_rollback('12_pk_type') AS void \gset
SELECT is(pg_temp.rollback(), '12_pk_type', '12_pk_type: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('12_pk_type', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('12_pk_type'), 'tap_alter_column_12_pk_type', '12_pk_type: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '12_pk_type', '12_pk_type: complete');
SELECT * FROM pg_temp.after_complete('12_pk_type');
SELECT is(pg_temp.coldef('people', 'id'), 'bigint NOT NULL', '12_pk_type: after complete the type');
SELECT is(pg_temp.cons('people'), 'people_pkey PRIMARY KEY (id)', '12_pk_type: after complete the primary key keeps its name');
SELECT is(pg_temp.idx('people'), 'CREATE UNIQUE INDEX people_pkey ON tap_alter_column.people USING btree (id)',
          '12_pk_type: after complete the primary key index');
SELECT is(pg_temp.cons('pets'),
          'pets_owner_fk FOREIGN KEY (owner_id) REFERENCES tap_alter_column.people(id) ON DELETE CASCADE; pets_pkey PRIMARY KEY (id)',
          '12_pk_type: after complete the referencing foreign key keeps its name and definition');
SELECT is(pg_temp.validated('pets_owner_fk'), 'true', '12_pk_type: after complete the foreign key is valid');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.people'), '{id,name}'::name[],
          '12_pk_type: after complete the column keeps its place in the view');
SELECT is(pg_temp.nw($$INSERT INTO pets (id, owner_id, name) VALUES (1004, 9999, 'p4')$$), '23503',
          '12_pk_type: after complete the foreign key refuses a dangling reference');
SELECT is(pg_temp.nw($$DELETE FROM people WHERE id = 1002$$), 'ok', '12_pk_type: after complete delete a person');
SELECT is(pg_temp.nq($$SELECT count(*) FROM pets WHERE owner_id = 1002$$), '(0)',
          '12_pk_type: after complete ON DELETE CASCADE applies');
SELECT is(pg_temp.nw($$INSERT INTO people (id, name) VALUES (3000000000, 'big')$$), 'ok',
          '12_pk_type: after complete a bigint key');
SELECT is(pg_temp.nw($$INSERT INTO people (id, name) VALUES (5, 'dup')$$), '23505',
          '12_pk_type: after complete the primary key is enforced');
SELECT is(pg_temp.nq($$SELECT count(*), sum(id) FROM people$$), '(501,3000125250)', '12_pk_type: after complete the data');
RESET pgroll.backfill_batch_size;
RESET pgroll.backfill_batch_time;
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 13_composite: pairs.a, a member of the primary key (a, b) that
-- pair_notes references
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('13_composite', $j${"operations": [
  {"alter_column": {"table": "pairs", "column": "a", "type": "bigint", "up": "a", "down": "a"}}]}$j$);
SELECT pg_temp.before_start('13_composite') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('13_composite'), 'tap_alter_column_13_composite', '13_composite: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '13_composite: the background work is done');
SELECT is(pg_temp.nq($$SELECT count(*), count(a), sum(a) FROM pairs$$), '(300,300,4350)',
          '13_composite: the backfill found every row');
SELECT is(pg_temp.nw($$INSERT INTO pairs (a, b, v) VALUES (1000, 'x', 1)$$), 'ok', '13_composite: new writer inserts');
SELECT is(pg_temp.nw($$INSERT INTO pairs (a, b, v) VALUES (1000, 'x', 2)$$), '23505',
          '13_composite: new writer: the composite key is unique');
SELECT is(pg_temp.nw($$INSERT INTO pairs (a, b, v) VALUES (1000, 'y', 2)$$), 'ok',
          '13_composite: new writer: a key differing in the other member');
SELECT is(pg_temp.ow($$INSERT INTO pairs (a, b, v) VALUES (1001, 'x', 3)$$), 'ok', '13_composite: old writer inserts');
SELECT is(pg_temp.ow($$INSERT INTO pairs (a, b, v) VALUES (1001, 'x', 4)$$), '23505',
          '13_composite: old writer: the composite key is unique');
SELECT is(pg_temp.nw($$INSERT INTO pair_notes (id, a, b, note) VALUES (100, 1000, 'x', 'n')$$), 'ok',
          '13_composite: a note referencing a new pair');
SELECT is(pg_temp.nw($$INSERT INTO pair_notes (id, a, b, note) VALUES (101, 5000, 'x', 'n')$$), '23503',
          '13_composite: the composite foreign key refuses a dangling reference');
SELECT pg_temp.before_rollback('13_composite') AS void \gset
SELECT is(pg_temp.rollback(), '13_composite', '13_composite: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('13_composite', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('13_composite'), 'tap_alter_column_13_composite', '13_composite: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '13_composite', '13_composite: complete');
SELECT * FROM pg_temp.after_complete('13_composite');
SELECT is(pg_temp.coldef('pairs', 'a'), 'bigint NOT NULL', '13_composite: after complete the type');
SELECT is(pg_temp.cons('pairs'), 'pairs_pkey PRIMARY KEY (a, b)',
          '13_composite: after complete the composite primary key, in its column order, under its name');
SELECT is(pg_temp.cons('pair_notes'),
          'pair_notes_pair_fk FOREIGN KEY (a, b) REFERENCES tap_alter_column.pairs(a, b) ON DELETE CASCADE; pair_notes_pkey PRIMARY KEY (id)',
          '13_composite: after complete the referencing foreign key keeps its name and definition');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.pairs'), '{a,b,v}'::name[],
          '13_composite: after complete the column keeps its place in the view');
SELECT is(pg_temp.nw($$DELETE FROM pairs WHERE a = 1000 AND b = 'x'$$), 'ok', '13_composite: after complete delete a pair');
SELECT is(pg_temp.nq($$SELECT count(*) FROM pair_notes WHERE id = 100$$), '(0)', '13_composite: after complete ON DELETE CASCADE applies');
SELECT is(pg_temp.nw($$INSERT INTO pairs (a, b, v) VALUES (1001, 'x', 5)$$), '23505',
          '13_composite: after complete the primary key is enforced');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 14_identity: identity columns int -> bigint
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('14_identity', $j${"operations": [
  {"alter_column": {"table": "ident_always", "column": "id", "type": "bigint", "up": "id", "down": "id"}},
  {"alter_column": {"table": "ident_default", "column": "id", "type": "bigint", "up": "id", "down": "id"}}]}$j$);
SELECT pg_temp.before_start('14_identity') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('14_identity'), 'tap_alter_column_14_identity', '14_identity: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '14_identity: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO ident_always (label) VALUES ('new')$$), 'ok', '14_identity: new writer inserts (ALWAYS)');
SELECT is(pg_temp.ow($$INSERT INTO ident_always (label) VALUES ('old')$$), 'ok', '14_identity: old writer inserts (ALWAYS)');
SELECT is(pg_temp.nq($$SELECT count(DISTINCT id), bool_and(id > 105) FROM ident_always WHERE label IN ('new', 'old')$$),
          '(2,t)', '14_identity: both got a fresh identity value (ALWAYS)');
SELECT is(pg_temp.nw($$INSERT INTO ident_default (label) VALUES ('new')$$), 'ok', '14_identity: new writer inserts (BY DEFAULT)');
SELECT is(pg_temp.ow($$INSERT INTO ident_default (label) VALUES ('old')$$), 'ok', '14_identity: old writer inserts (BY DEFAULT)');
SELECT is(pg_temp.nw($$INSERT INTO ident_default (id, label) VALUES (500, 'own')$$), 'ok',
          '14_identity: new writer supplies its own value (BY DEFAULT)');
SELECT is(pg_temp.nq($$SELECT count(DISTINCT id), bool_and(id > 20) FROM ident_default WHERE label IN ('new', 'old', 'own')$$),
          '(3,t)', '14_identity: fresh and own identity values (BY DEFAULT)');
SELECT is(pg_temp.oq($$SELECT id, label FROM ident_always ORDER BY id$$),
          pg_temp.nq($$SELECT id, label FROM ident_always ORDER BY id$$), '14_identity: both versions read the same ids (ALWAYS)');
SELECT is(pg_temp.oq($$SELECT id, label FROM ident_default ORDER BY id$$),
          pg_temp.nq($$SELECT id, label FROM ident_default ORDER BY id$$), '14_identity: both versions read the same ids (BY DEFAULT)');
SELECT pg_temp.before_rollback('14_identity') AS void \gset
SELECT is(pg_temp.rollback(), '14_identity', '14_identity: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('14_identity', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('14_identity'), 'tap_alter_column_14_identity', '14_identity: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '14_identity', '14_identity: complete');
SELECT * FROM pg_temp.after_complete('14_identity');
SELECT is(pg_temp.coldef('ident_always', 'id'), 'bigint NOT NULL GENERATED ALWAYS AS IDENTITY',
          '14_identity: after complete still an identity, ALWAYS');
SELECT is(pg_temp.coldef('ident_default', 'id'), 'bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY',
          '14_identity: after complete still an identity, BY DEFAULT');
SELECT is(pg_temp.cons('ident_always'), 'ident_always_pkey PRIMARY KEY (id)', '14_identity: after complete the primary key (ALWAYS)');
SELECT is(pg_temp.cons('ident_default'), 'ident_default_pkey PRIMARY KEY (id)', '14_identity: after complete the primary key (BY DEFAULT)');
SELECT is((SELECT seqincrement FROM pg_sequence
            WHERE seqrelid = to_regclass(pg_get_serial_sequence('tap_alter_column.ident_always', 'id'))),
          5::bigint, '14_identity: after complete the identity keeps its INCREMENT BY');
SELECT is(pg_temp.nw($$INSERT INTO ident_always (label) VALUES ('after')$$), 'ok', '14_identity: after complete insert (ALWAYS)');
SELECT is(pg_temp.nq($$SELECT (SELECT id FROM ident_always WHERE label = 'after') > max(id) FILTER (WHERE label <> 'after') FROM ident_always$$),
          '(t)', '14_identity: after complete the next value continues after the max (ALWAYS)');
SELECT is(pg_temp.nw($$INSERT INTO ident_always (id, label) VALUES (1, 'own')$$), '428C9',
          '14_identity: after complete ALWAYS refuses a value of the client''s');
SELECT is(pg_temp.nw($$INSERT INTO ident_default (label) VALUES ('after')$$), 'ok', '14_identity: after complete insert (BY DEFAULT)');
SELECT is(pg_temp.nq($$SELECT (SELECT id FROM ident_default WHERE label = 'after') > max(id) FILTER (WHERE label NOT IN ('after', 'own')) FROM ident_default$$),
          '(t)', '14_identity: after complete the next value continues after the sequence (BY DEFAULT)');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 15_serial: serials.id int -> bigint
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('15_serial', $j${"operations": [
  {"alter_column": {"table": "serials", "column": "id", "type": "bigint", "up": "id", "down": "id"}}]}$j$);
SELECT pg_temp.before_start('15_serial') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('15_serial'), 'tap_alter_column_15_serial', '15_serial: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '15_serial: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO serials (label) VALUES ('new')$$), 'ok', '15_serial: new writer inserts');
SELECT is(pg_temp.ow($$INSERT INTO serials (label) VALUES ('old')$$), 'ok', '15_serial: old writer inserts');
SELECT is(pg_temp.nq($$SELECT count(DISTINCT id), bool_and(id > 20) FROM serials WHERE label IN ('new', 'old')$$),
          '(2,t)', '15_serial: both got a fresh value from the sequence');
SELECT is(pg_temp.oq($$SELECT id, label FROM serials ORDER BY id$$),
          pg_temp.nq($$SELECT id, label FROM serials ORDER BY id$$), '15_serial: both versions read the same ids');
SELECT pg_temp.before_rollback('15_serial') AS void \gset
SELECT is(pg_temp.rollback(), '15_serial', '15_serial: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('15_serial', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('15_serial'), 'tap_alter_column_15_serial', '15_serial: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '15_serial', '15_serial: complete');
SELECT * FROM pg_temp.after_complete('15_serial');
SELECT is(pg_temp.coldef('serials', 'id'), 'bigint NOT NULL DEFAULT nextval(''tap_alter_column.serials_id_seq''::regclass)',
          '15_serial: after complete the type and the default');
SELECT is(pg_get_serial_sequence('tap_alter_column.serials', 'id'), 'tap_alter_column.serials_id_seq',
          '15_serial: after complete the sequence survives, owned by the column');
SELECT is(pg_temp.cons('serials'), 'serials_pkey PRIMARY KEY (id)', '15_serial: after complete the primary key');
SELECT is(pg_temp.nw($$INSERT INTO serials (label) VALUES ('after')$$), 'ok', '15_serial: after complete insert');
SELECT is(pg_temp.nq($$SELECT (SELECT id FROM serials WHERE label = 'after') > max(id) FILTER (WHERE label <> 'after') FROM serials$$),
          '(t)', '15_serial: after complete the next value continues the sequence');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 16_indexes: docs.title (NOT NULL) with expression, partial,
-- multi-column, hash, unique partial and opclass/fillfactor indexes
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('16_indexes', $j${"operations": [
  {"alter_column": {"table": "docs", "column": "title", "nullable": false,
     "up": "coalesce(title, 'untitled ' || id)"}}]}$j$);
SELECT pg_temp.before_start('16_indexes') AS void \gset
UPDATE snaps SET extra = pg_temp.idx('docs') WHERE id = '16_indexes';
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('16_indexes'), 'tap_alter_column_16_indexes', '16_indexes: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '16_indexes: the background work is done');
-- every index on the column has a valid copy on the copy of the column,
-- with the same definition
SELECT is((SELECT string_agg(regexp_replace(pg_get_indexdef(i.indexrelid), '_pgroll_(dup|new)_', '', 'g'), '; '
                             ORDER BY c.relname)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'tap_alter_column.docs'::regclass AND i.indisvalid
              AND pg_get_indexdef(i.indexrelid) LIKE '%\_pgroll\_new\_title%'),
          (SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY c.relname)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'tap_alter_column.docs'::regclass
              AND c.relname IN ('docs_kind_partial_idx', 'docs_kind_title_idx', 'docs_title_hash_idx',
                                'docs_title_lower_idx', 'docs_title_pattern_idx', 'docs_title_uidx')),
          '16_indexes: each index on the column is built on the copy, with the same definition');
SELECT is(pg_temp.nw($$INSERT INTO docs (id, title, kind) VALUES (1001, 'doc 1', 1)$$), '23505',
          '16_indexes: new writer: the copy of the unique partial index is enforced');
SELECT is(pg_temp.nw($$INSERT INTO docs (id, title, kind) VALUES (1001, 'doc 1', 2)$$), 'ok',
          '16_indexes: new writer: outside the unique index''s predicate');
SELECT is(pg_temp.nw($$INSERT INTO docs (id, title, kind) VALUES (1002, NULL, 2)$$), '23514',
          '16_indexes: new writer: NULL refused');
SELECT is(pg_temp.ow($$INSERT INTO docs (id, title, kind) VALUES (1003, NULL, 1)$$), 'ok', '16_indexes: old writer writes NULL');
SELECT is(pg_temp.nq($$SELECT title FROM docs WHERE id = 1003$$), '("untitled 1003")', '16_indexes: up fills it');
SELECT is(pg_temp.ow($$INSERT INTO docs (id, title, kind) VALUES (1004, 'doc 4', 1)$$), '23505',
          '16_indexes: old writer: the unique partial index is enforced');
SELECT is(pg_temp.nq($$SELECT count(*) FROM docs WHERE title LIKE 'untitled%'$$), '(21)',
          '16_indexes: the backfill filled every NULL title');
SELECT pg_temp.before_rollback('16_indexes') AS void \gset
SELECT is(pg_temp.rollback(), '16_indexes', '16_indexes: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('16_indexes', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('16_indexes'), 'tap_alter_column_16_indexes', '16_indexes: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '16_indexes', '16_indexes: complete');
SELECT * FROM pg_temp.after_complete('16_indexes');
SELECT is(pg_temp.idx('docs'), (SELECT extra FROM snaps WHERE id = '16_indexes'),
          '16_indexes: after complete every index is there under its name, with its definition');
SELECT is((SELECT bool_and(indisvalid AND indisready) FROM pg_index WHERE indrelid = 'tap_alter_column.docs'::regclass),
          true, '16_indexes: after complete every index is valid');
SELECT is(pg_temp.coldef('docs', 'title'), 'text NOT NULL', '16_indexes: after complete the column is NOT NULL');
SELECT is(pg_temp.nw($$INSERT INTO docs (id, title, kind) VALUES (1005, 'doc 7', 1)$$), '23505',
          '16_indexes: after complete the unique partial index is enforced');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.docs'), '{id,title,kind,body}'::name[],
          '16_indexes: after complete the column keeps its place in the view');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 17_nopk: events (no primary key, no unique key): n int -> bigint
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('17_nopk', $j${"operations": [
  {"alter_column": {"table": "events", "column": "n", "type": "bigint",
     "up": "n::bigint * 2", "down": "(n / 2)::int"}}]}$j$);
SET pgroll.backfill_batch_size = 250;
SET pgroll.backfill_batch_time = 0;
SELECT pg_temp.before_start('17_nopk') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('17_nopk'), 'tap_alter_column_17_nopk', '17_nopk: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '17_nopk: the background work is done');
SELECT is(pg_temp.nq($$SELECT count(*), count(n), sum(n) FROM events$$), '(3000,3000,9003000)',
          '17_nopk: the backfill found every row of a table without a key');
SELECT is(pg_temp.ow($$INSERT INTO events (kind, n) VALUES ('old', 7)$$), 'ok', '17_nopk: old writer inserts');
SELECT is(pg_temp.nq($$SELECT n FROM events WHERE kind = 'old'$$), '(14)', '17_nopk: the new version sees up''s value');
SELECT is(pg_temp.nw($$INSERT INTO events (kind, n) VALUES ('new', 100)$$), 'ok', '17_nopk: new writer inserts');
SELECT is(pg_temp.oq($$SELECT n FROM events WHERE kind = 'new'$$), '(50)', '17_nopk: the old version sees down''s value');
SELECT is(pg_temp.ow($$UPDATE events SET n = n + 1 WHERE n = 1$$), 'ok', '17_nopk: old writer updates');
SELECT is(pg_temp.nq($$SELECT n FROM events WHERE kind = 'k1' AND n < 20 ORDER BY n$$), '(4) (16)',
          '17_nopk: the new version sees the update');
SELECT is(pg_temp.nw($$DELETE FROM events WHERE n = 16$$), 'ok', '17_nopk: new writer deletes');
SELECT pg_temp.before_rollback('17_nopk') AS void \gset
SELECT is(pg_temp.rollback(), '17_nopk', '17_nopk: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('17_nopk', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('17_nopk'), 'tap_alter_column_17_nopk', '17_nopk: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '17_nopk', '17_nopk: complete');
SELECT * FROM pg_temp.after_complete('17_nopk');
SELECT is(pg_temp.coldef('events', 'n'), 'bigint', '17_nopk: after complete the type');
-- 3000 rows, n = 2g (g = 8 deleted, g = 1 became 2), plus 14 and 100
SELECT is(pg_temp.nq($$SELECT count(*), sum(n) FROM events$$), '(3001,9003100)', '17_nopk: after complete every row is there');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.events'), '{kind,n}'::name[], '17_nopk: after complete the view');
RESET pgroll.backfill_batch_size;
RESET pgroll.backfill_batch_time;
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 18_type_default: legacy.v text -> integer: its default ('7'::text)
-- and its check (v <> '') cannot apply to an integer, and start refuses
-- (42804) rather than drop them; with a new default in the operation and
-- the check dropped first, it goes through.  legacy.w int -> bigint keeps
-- its default and check.
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('18_type_default_refused', $j${"operations": [
  {"alter_column": {"table": "legacy", "column": "v", "type": "integer",
     "up": "nullif(v, '')::int", "down": "v::text"}},
  {"alter_column": {"table": "legacy", "column": "w", "type": "bigint", "up": "w", "down": "w"}}]}$j$);
SELECT matches(pg_temp.start('18_type_default_refused'),
               '^ERROR 42804: .*default of column "v" does not fit the column''s new type',
               '18_type_default: a default that cannot apply to the new type: start refuses');
INSERT INTO migration_docs VALUES ('18_type_default_check', $j${"operations": [
  {"alter_column": {"table": "legacy", "column": "v", "type": "integer", "default": "7",
     "up": "nullif(v, '')::int", "down": "v::text"}},
  {"alter_column": {"table": "legacy", "column": "w", "type": "bigint", "up": "w", "down": "w"}}]}$j$);
SELECT matches(pg_temp.start('18_type_default_check'),
               '^ERROR 42804: .*check constraint "legacy_v_not_empty" of table "legacy" does not fit',
               '18_type_default: a check that cannot apply to the new type: start refuses');
ALTER TABLE tap_alter_column.legacy DROP CONSTRAINT legacy_v_not_empty;
INSERT INTO migration_docs VALUES ('18_type_default', $j${"operations": [
  {"alter_column": {"table": "legacy", "column": "v", "type": "integer", "default": "7",
     "up": "nullif(v, '')::int", "down": "v::text"}},
  {"alter_column": {"table": "legacy", "column": "w", "type": "bigint", "up": "w", "down": "w"}}]}$j$);
SELECT pg_temp.before_start('18_type_default') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('18_type_default'), 'tap_alter_column_18_type_default', '18_type_default: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '18_type_default: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO legacy (id, v, w) VALUES (10, 3, 10)$$), 'ok', '18_type_default: new writer inserts');
SELECT is(pg_temp.oq($$SELECT v, w FROM legacy WHERE id = 10$$), '(3,10)', '18_type_default: the old version sees it');
SELECT is(pg_temp.nw($$INSERT INTO legacy (id, v, w) VALUES (11, 1, 100)$$), '23514',
          '18_type_default: new writer: the kept check is enforced');
SELECT is(pg_temp.ow($$INSERT INTO legacy (id) VALUES (12)$$), 'ok', '18_type_default: old writer inserts with defaults');
SELECT is(pg_temp.nq($$SELECT v, w FROM legacy WHERE id = 12$$), '(7,5)', '18_type_default: the new version sees them through up');
SELECT pg_temp.before_rollback('18_type_default') AS void \gset
SELECT is(pg_temp.rollback(), '18_type_default', '18_type_default: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('18_type_default', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('18_type_default'), 'tap_alter_column_18_type_default', '18_type_default: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '18_type_default', '18_type_default: complete');
SELECT * FROM pg_temp.after_complete('18_type_default');
SELECT is(pg_temp.coldef('legacy', 'v'), 'integer DEFAULT 7', '18_type_default: after complete v is an integer with the new default');
SELECT is(pg_temp.coldef('legacy', 'w'), 'bigint DEFAULT 5', '18_type_default: after complete w keeps its default');
SELECT is(pg_temp.cons('legacy'), 'legacy_pkey PRIMARY KEY (id); legacy_w_small CHECK ((w < 100))',
          '18_type_default: after complete the check is kept');
SELECT is(pg_temp.nq($$SELECT id, v, w FROM legacy ORDER BY id$$), '(1,1,1) (2,,2) (10,3,10) (12,7,5)',
          '18_type_default: after complete the data');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 19_drop_column: drop accounts.note, with down
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('19_drop_column', $j${"operations": [
  {"drop_column": {"table": "accounts", "column": "note", "down": "'(dropped) ' || code"}}]}$j$);
SELECT pg_temp.before_start('19_drop_column') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('19_drop_column'), 'tap_alter_column_19_drop_column', '19_drop_column: start');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.accounts'),
          '{id,code,balance,region,region_code,email,kind}'::name[], '19_drop_column: the new version leaves the column out');
SELECT is(pg_temp.nw($$INSERT INTO accounts (id, code, balance, region) VALUES (1901, 'X19', 19.01, 'r')$$), 'ok',
          '19_drop_column: new writer inserts without the column');
SELECT is(pg_temp.oq($$SELECT note FROM accounts WHERE id = 1901$$), '("(dropped) X19")',
          '19_drop_column: the old version sees down''s value');
SELECT is(pg_temp.ow($$INSERT INTO accounts (id, code, balance, region, note) VALUES (1902, 'Y19', 1902, 'r', 'kept')$$), 'ok',
          '19_drop_column: old writer inserts with the column');
SELECT is(pg_temp.oq($$SELECT note FROM accounts WHERE id = 1902$$), '(kept)', '19_drop_column: the old writer''s value is kept');
SELECT is(pg_temp.nw($$UPDATE accounts SET code = 'Z19' WHERE id = 1901$$), 'ok', '19_drop_column: new writer updates');
SELECT is(pg_temp.oq($$SELECT note FROM accounts WHERE id = 1901$$), '("(dropped) Z19")',
          '19_drop_column: down is applied on update too');
SELECT pg_temp.before_rollback('19_drop_column') AS void \gset
SELECT is(pg_temp.rollback(), '19_drop_column', '19_drop_column: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('19_drop_column', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('19_drop_column'), 'tap_alter_column_19_drop_column', '19_drop_column: start again');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.complete(), '19_drop_column', '19_drop_column: complete');
SELECT * FROM pg_temp.after_complete('19_drop_column');
SELECT hasnt_column('tap_alter_column', 'accounts', 'note', '19_drop_column: after complete the column is gone');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.accounts'),
          '{id,code,balance,region,region_code,email,kind}'::name[], '19_drop_column: after complete the view');

-- ---------------------------------------------------------------------
-- 20_unbackfilled: writers reach rows before the (slow) backfill does
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('20_unbackfilled', $j${"operations": [
  {"alter_column": {"table": "slow", "column": "v", "type": "bigint",
     "up": "v::bigint * 10", "down": "(v / 10)::int"}}]}$j$);
SET pgroll.backfill_batch_size = 10;
SET pgroll.backfill_batch_time = 0;
SET pgroll.backfill_batch_delay = 100;
SELECT is(pg_temp.start('20_unbackfilled'), 'tap_alter_column_20_unbackfilled',
          '20_unbackfilled: start (a slow backfill: 10 rows every 100 ms)');
SELECT is(pg_temp.bq($$SELECT count(*) FROM slow WHERE _pgroll_needs_backfill AND id >= 290$$), '(11)',
          '20_unbackfilled: the backfill has not reached the last rows yet');
SELECT is(pg_temp.nw($$UPDATE slow SET note = 'new' WHERE id = 300$$), 'ok',
          '20_unbackfilled: new writer updates a row the backfill has not reached, without setting the column');
SELECT is(pg_temp.nq($$SELECT v, note FROM slow WHERE id = 300$$), '(3000,new)',
          '20_unbackfilled: the new version sees up''s value for the column it did not set');
SELECT is(pg_temp.oq($$SELECT v, note FROM slow WHERE id = 300$$), '(300,new)',
          '20_unbackfilled: the old version keeps its value');
SELECT is(pg_temp.ow($$UPDATE slow SET note = 'old' WHERE id = 299$$), 'ok',
          '20_unbackfilled: old writer updates a row the backfill has not reached');
SELECT is(pg_temp.nq($$SELECT v, note FROM slow WHERE id = 299$$), '(2990,old)', '20_unbackfilled: up applied to it');
SELECT is(pg_temp.nw($$UPDATE slow SET v = 5 WHERE id = 298$$), 'ok',
          '20_unbackfilled: new writer sets the column of a row the backfill has not reached');
SELECT is(pg_temp.oq($$SELECT v FROM slow WHERE id = 298$$), '(0)', '20_unbackfilled: the old version sees down''s value');
SELECT is(pg_temp.bq($$SELECT count(*) FROM slow WHERE _pgroll_needs_backfill AND id >= 298$$), '(0)',
          '20_unbackfilled: rows written after start are no longer marked for the backfill');
CALL pgroll.wait('tap_alter_column', '2 minutes');
SELECT is(pg_temp.work_left(), '', '20_unbackfilled: the background work is done');
SELECT is(pg_temp.nq($$SELECT v FROM slow WHERE id = 298$$), '(5)', '20_unbackfilled: the backfill kept the new writer''s value');
SELECT is(pg_temp.nq($$SELECT id, v FROM slow WHERE v IS DISTINCT FROM id * 10$$), '(298,5)',
          '20_unbackfilled: every other row went through up');
SELECT is(pg_temp.complete(), '20_unbackfilled', '20_unbackfilled: complete');
SELECT * FROM pg_temp.after_complete('20_unbackfilled');
SELECT is(pg_temp.coldef('slow', 'v'), 'bigint', '20_unbackfilled: after complete the type');
SELECT is(pg_temp.nq($$SELECT count(*), sum(v) FROM slow$$), '(300,448525)', '20_unbackfilled: after complete the data');
RESET pgroll.backfill_batch_size;
RESET pgroll.backfill_batch_time;
RESET pgroll.backfill_batch_delay;

SELECT * FROM finish();

-- clean up
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tap\_alter\_column%' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
    DELETE FROM pgroll.jobs WHERE schema = 'tap_alter_column';
    DELETE FROM pgroll.migrations WHERE schema = 'tap_alter_column';
END $$;
