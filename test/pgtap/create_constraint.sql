-- pgTAP tests for create_constraint.
--
-- Background work (backfill, concurrent index builds, VALIDATE) runs in the
-- worker after start commits, so this file runs in autocommit mode, without
-- an enclosing transaction: it cleans up its schema first and last.
--
-- Base: 01_base (a sql migration creating the tables), completed.  Then one
-- migration per form; each is started, written to through both versions
-- (values, NULLs, values the new version must refuse: old writers' rows
-- are repaired by up), read through both, rolled back (catalog, pg_dump
-- --schema-only and data identical to before), started again, completed,
-- and checked (constraint by name and definition, indexes, columns, the
-- constraint enforced, no _pgroll_ leftovers):
--
--   02_unique           one column; nulls_not_distinct, deferrable,
--                       index_parameters (include_columns, storage_parameters,
--                       tablespace)
--   03_unique_multi     two columns, one up/down per column
--   04_check            one column, no_inherit
--   05_check_multi      two columns
--   06_fk               one column; on_delete CASCADE, on_update, match_type,
--                       deferrable, initially_deferred
--   07_fk_multi         two columns; MATCH FULL, ON UPDATE CASCADE, ON DELETE RESTRICT
--   08_fk_setcols       two columns; ON DELETE SET NULL (on_delete_set_columns)
--   09_pk               a composite primary key on a table without any key
--   10_unique_existing  a unique constraint over an already unique column and another
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
\set dumpcmd 'pg_dump --schema-only --schema=''tap_create_constraint*'' 2>&1 | grep -Ev ''^.(un)?restrict '''

-- a clean slate (an earlier run may have stopped half-way)
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tap\_create\_constraint%' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
    DELETE FROM pgroll.jobs WHERE schema = 'tap_create_constraint';
    DELETE FROM pgroll.migrations WHERE schema = 'tap_create_constraint';
END $$;

SELECT plan(248);
CREATE SCHEMA tap_create_constraint;

-- ---------------------------------------------------------------------
-- Helpers: the shared ones (rewrite_helpers.psql), then this file's own
-- ---------------------------------------------------------------------

SET tap.schema = 'tap_create_constraint';
\ir rewrite_helpers.psql

CREATE FUNCTION pg_temp.after_rollback(m text, dump_before text, dump_after text)
RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
    RETURN NEXT ok(dump_before LIKE '%CREATE TABLE tap_create_constraint.users%'
                   AND dump_before LIKE '%CREATE VIEW tap_create_constraint\_%',
                   m || ': pg_dump --schema-only shows the tables and the version views');
    RETURN NEXT hasnt_schema('tap_create_constraint_' || m, m || ': rollback drops the new version schema');
    RETURN NEXT is(dump_after, dump_before, m || ': after rollback, pg_dump --schema-only is identical');
    RETURN NEXT is(pg_temp.snapshot(), (SELECT catalog FROM snaps WHERE id = m),
                   m || ': after rollback, the catalog is identical');
    RETURN NEXT is(pg_temp.all_data('tap_create_constraint_' || pgroll.latest_version('tap_create_constraint')),
                   (SELECT data FROM snaps WHERE id = m),
                   m || ': after rollback, the old version shows the same rows');
    RETURN NEXT is(pg_temp.leftovers(), '', m || ': no _pgroll_ objects after rollback');
END $f$;

CREATE FUNCTION pg_temp.start_error(p_id text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    BEGIN
        PERFORM pgroll.start(d.doc, p_id, 'tap_create_constraint') FROM migration_docs d WHERE d.id = p_id;
    EXCEPTION WHEN OTHERS THEN
        RETURN SQLSTATE;
    END;
    RAISE EXCEPTION 'undo' USING ERRCODE = 'ZZ000';
EXCEPTION WHEN SQLSTATE 'ZZ000' THEN
    RETURN 'no error';
END $f$;

CREATE FUNCTION pg_temp.validate_error(p_id text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM pgroll.validate(d.doc, 'tap_create_constraint') FROM migration_docs d WHERE d.id = p_id;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('01_base', jsonb_build_object('operations', jsonb_build_array(
  jsonb_build_object('sql', jsonb_build_object('up', $sql$
CREATE TABLE users (id int PRIMARY KEY, email text, first_name text, last_name text, age int, nick text);
INSERT INTO users VALUES
    (1, 'a@x', 'ann', 'lee', 30, 'an'),
    (2, 'a@x', 'bob', 'lee', -4, NULL),
    (3, NULL, 'ann', 'lee', NULL, NULL),
    (4, NULL, 'cy', NULL, 200, 'cy');

CREATE TABLE sellers (name text, zip int, PRIMARY KEY (name, zip));
INSERT INTO sellers VALUES ('acme', 10), ('bolt', 20), ('cart', 30);

CREATE TABLE orders (id int PRIMARY KEY, user_id int, price int, discount int, seller_name text, seller_zip int);
INSERT INTO orders VALUES
    (1, 1, 100, 10, 'acme', 10),
    (2, 99, 50, 80, 'acme', 99),
    (3, NULL, 20, 0, NULL, NULL),
    (4, 2, 10, NULL, 'bolt', 20);

CREATE TABLE shipments (id int PRIMARY KEY, seller_name text, seller_zip int);
INSERT INTO shipments VALUES (1, 'cart', 30), (2, 'cart', 31);

CREATE TABLE logs (a int, b text, msg text);
INSERT INTO logs SELECT g, 'b' || (g % 5), 'm' || g FROM generate_series(1, 1000) g;
INSERT INTO logs VALUES (NULL, 'bx', 'null a');

CREATE TABLE tags (id int PRIMARY KEY, label text CONSTRAINT tags_label_key UNIQUE, color text);
INSERT INTO tags VALUES (1, 'red', NULL), (2, 'blue', 'b');
$sql$)))));

SELECT is(pg_temp.start('01_base'), 'tap_create_constraint_01_base', '01_base: start');
SELECT is(pg_temp.complete(), '01_base', '01_base: complete');

-- ---------------------------------------------------------------------
-- 02_unique: users.email, NULLS NOT DISTINCT, DEFERRABLE, index parameters
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('02_unique', $j${"operations": [
  {"create_constraint": {"table": "users", "name": "users_email_key", "type": "unique", "columns": ["email"],
     "nulls_not_distinct": true, "deferrable": true, "initially_deferred": false,
     "index_parameters": {"include_columns": ["id"], "storage_parameters": "fillfactor=70", "tablespace": "pg_default"},
     "up": {"email": "coalesce(email, 'none') || '#' || id"}, "down": {"email": "email"}}}]}$j$);
SELECT pg_temp.before_start('02_unique') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('02_unique'), 'tap_create_constraint_02_unique', '02_unique: start');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.work_left(), '', '02_unique: the background work is done');
SELECT is((SELECT indisunique AND indisvalid FROM pg_index WHERE indexrelid = to_regclass('tap_create_constraint.users_email_key')),
          true, '02_unique: a valid unique index users_email_key was built');
SELECT is((SELECT reloptions::text FROM pg_class WHERE oid = to_regclass('tap_create_constraint.users_email_key')),
          '{fillfactor=70}', '02_unique: the storage parameters are honoured');
SELECT is(pg_temp.nq($$SELECT id, email FROM users ORDER BY id$$), '(1,a@x#1) (2,a@x#2) (3,none#3) (4,none#4)',
          '02_unique: existing rows repaired by up');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email) VALUES (10, 'a@x#1')$$), '23505',
          '02_unique: new writer: a duplicate is refused');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email) VALUES (10, 'q@y')$$), 'ok', '02_unique: new writer: a new value');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email) VALUES (11, NULL)$$), 'ok', '02_unique: new writer: one NULL');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email) VALUES (12, NULL)$$), '23505',
          '02_unique: new writer: a second NULL is a duplicate (NULLS NOT DISTINCT)');
SELECT is(pg_temp.ow($$INSERT INTO users (id, email) VALUES (13, 'a@x'), (14, 'a@x'), (15, NULL)$$), 'ok',
          '02_unique: old writer: duplicates are accepted');
SELECT is(pg_temp.nq($$SELECT id, email FROM users WHERE id >= 10 ORDER BY id$$),
          '(10,q@y) (11,) (13,a@x#13) (14,a@x#14) (15,none#15)', '02_unique: the new version sees up''s repairs');
SELECT is(pg_temp.oq($$SELECT id, email FROM users WHERE id >= 10 ORDER BY id$$),
          '(10,q@y) (11,) (13,a@x) (14,a@x) (15,)', '02_unique: the old version sees what was written');
SELECT is(pg_temp.ow($$INSERT INTO users (id, email) VALUES (16, 'q@y#16')$$), 'ok',
          '02_unique: old writer: a value up makes distinct');
SELECT pg_temp.before_rollback('02_unique') AS void \gset
SELECT is(pg_temp.rollback(), '02_unique', '02_unique: rollback');
SELECT is(to_regclass('tap_create_constraint.users_email_key'), NULL, '02_unique: rollback drops the index');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('02_unique', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('02_unique'), 'tap_create_constraint_02_unique', '02_unique: start again');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.complete(), '02_unique', '02_unique: complete');
SELECT * FROM pg_temp.after_complete('02_unique');
SELECT is(pg_temp.cons('users'),
          'users_email_key UNIQUE NULLS NOT DISTINCT (email) INCLUDE (id) DEFERRABLE; users_pkey PRIMARY KEY (id)',
          '02_unique: after complete the constraint under its name, with its options');
SELECT is(pg_temp.idx('users'),
          'CREATE UNIQUE INDEX users_email_key ON tap_create_constraint.users USING btree (email) INCLUDE (id) NULLS NOT DISTINCT WITH (fillfactor=''70''); '
          'CREATE UNIQUE INDEX users_pkey ON tap_create_constraint.users USING btree (id)',
          '02_unique: after complete the indexes');
SELECT is(pg_temp.coldef('users', 'email'), 'text', '02_unique: after complete the column');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.users'), '{id,email,first_name,last_name,age,nick}'::name[],
          '02_unique: after complete the column keeps its place in the view');
SELECT is(pg_temp.nq($$SELECT id, email FROM users ORDER BY id$$),
          '(1,a@x#1) (2,a@x#2) (3,none#3) (4,none#4) (10,q@y#10) (11,none#11) (13,a@x#13) (14,a@x#14) (15,none#15) (16,q@y#16#16)',
          '02_unique: after complete the data');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email) VALUES (17, 'q@y#10')$$), '23505',
          '02_unique: after complete a duplicate is refused');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email) VALUES (17, NULL)$$), 'ok', '02_unique: after complete one NULL');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email) VALUES (18, NULL)$$), '23505',
          '02_unique: after complete a second NULL is a duplicate');
SELECT is(pg_temp.nw($$UPDATE users SET email = CASE id WHEN 1 THEN 'a@x#2' ELSE 'a@x#1' END WHERE id IN (1, 2)$$), 'ok',
          '02_unique: after complete a swap in one statement works (DEFERRABLE: checked at the end of the statement)');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 03_unique_multi: users (first_name, last_name), one up/down per column
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('03_unique_multi', $j${"operations": [
  {"create_constraint": {"table": "users", "name": "users_name_key", "type": "unique",
     "columns": ["first_name", "last_name"],
     "up": {"first_name": "initcap(first_name)", "last_name": "coalesce(last_name, 'nobody') || '-' || id"},
     "down": {"first_name": "lower(first_name)", "last_name": "last_name"}}}]}$j$);
SELECT pg_temp.before_start('03_unique_multi') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('03_unique_multi'), 'tap_create_constraint_03_unique_multi', '03_unique_multi: start');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.work_left(), '', '03_unique_multi: the background work is done');
SELECT is(pg_temp.nq($$SELECT id, first_name, last_name FROM users WHERE id <= 4 ORDER BY id$$),
          '(1,Ann,lee-1) (2,Bob,lee-2) (3,Ann,lee-3) (4,Cy,nobody-4)', '03_unique_multi: each column through its own up');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email, first_name, last_name) VALUES (20, 'u20', 'Ann', 'lee-1')$$), '23505',
          '03_unique_multi: new writer: a duplicate pair is refused');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email, first_name, last_name) VALUES (20, 'u20', 'Ann', 'lee-9')$$), 'ok',
          '03_unique_multi: new writer: a pair differing in one column');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email, first_name, last_name) VALUES (21, 'u21', 'Dee', 'x')$$), 'ok',
          '03_unique_multi: new writer: a new pair');
SELECT is(pg_temp.oq($$SELECT first_name, last_name FROM users WHERE id = 21$$), '(dee,x)',
          '03_unique_multi: the old version sees each column through its own down');
SELECT is(pg_temp.ow($$INSERT INTO users (id, email, first_name, last_name) VALUES (22, 'u22', 'ann', 'lee'), (23, 'u23', 'ann', 'lee')$$), 'ok',
          '03_unique_multi: old writer: duplicate pairs are accepted');
SELECT is(pg_temp.nq($$SELECT id, first_name, last_name FROM users WHERE id IN (22, 23) ORDER BY id$$),
          '(22,Ann,lee-22) (23,Ann,lee-23)', '03_unique_multi: up makes them distinct');
SELECT pg_temp.before_rollback('03_unique_multi') AS void \gset
SELECT is(pg_temp.rollback(), '03_unique_multi', '03_unique_multi: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('03_unique_multi', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('03_unique_multi'), 'tap_create_constraint_03_unique_multi', '03_unique_multi: start again');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.complete(), '03_unique_multi', '03_unique_multi: complete');
SELECT * FROM pg_temp.after_complete('03_unique_multi');
SELECT is(pg_temp.cons('users'),
          'users_email_key UNIQUE NULLS NOT DISTINCT (email) INCLUDE (id) DEFERRABLE; users_name_key UNIQUE (first_name, last_name); '
          'users_pkey PRIMARY KEY (id)',
          '03_unique_multi: after complete the constraint under its name');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.users'), '{id,email,first_name,last_name,age,nick}'::name[],
          '03_unique_multi: after complete the columns keep their places in the view');
SELECT is(pg_temp.nq($$SELECT id, first_name, last_name FROM users WHERE id BETWEEN 20 AND 23 ORDER BY id$$),
          '(20,Ann,lee-9-20) (21,Dee,x-21) (22,Ann,lee-22) (23,Ann,lee-23)',
          '03_unique_multi: after complete the data (rows re-backfilled from the old columns)');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email, first_name, last_name) VALUES (24, 'u24', 'Dee', 'x-21')$$), '23505',
          '03_unique_multi: after complete a duplicate pair is refused');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 04_check: users.age >= 0, NO INHERIT
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('04_check', $j${"operations": [
  {"create_constraint": {"table": "users", "name": "users_age_check", "type": "check", "columns": ["age"],
     "check": "age >= 0", "no_inherit": true,
     "up": {"age": "greatest(age, 0)"}, "down": {"age": "age"}}}]}$j$);
SELECT pg_temp.before_start('04_check') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('04_check'), 'tap_create_constraint_04_check', '04_check: start');
SELECT is(pg_temp.validated('users_age_check'), 'false', '04_check: the check is added NOT VALID');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.work_left(), '', '04_check: the background work is done');
SELECT is(pg_temp.validated('users_age_check'), 'true', '04_check: the worker validated it');
SELECT is(pg_temp.nq($$SELECT id, age FROM users WHERE id <= 4 ORDER BY id$$), '(1,30) (2,0) (3,0) (4,200)',
          '04_check: existing rows repaired by up');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email, age) VALUES (30, 'u30', -1)$$), '23514', '04_check: new writer: a violation is refused');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email, age) VALUES (31, 'u31', 5)$$), 'ok', '04_check: new writer: a valid value');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email, age) VALUES (32, 'u32', NULL)$$), 'ok', '04_check: new writer: NULL passes');
SELECT is(pg_temp.ow($$INSERT INTO users (id, email, age) VALUES (33, 'u33', -7)$$), 'ok', '04_check: old writer: a violation is accepted');
SELECT is(pg_temp.nq($$SELECT age FROM users WHERE id = 33$$), '(0)', '04_check: the new version sees up''s repair');
SELECT is(pg_temp.oq($$SELECT age FROM users WHERE id = 33$$), '(-7)', '04_check: the old version sees what it wrote');
SELECT pg_temp.before_rollback('04_check') AS void \gset
SELECT is(pg_temp.rollback(), '04_check', '04_check: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('04_check', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('04_check'), 'tap_create_constraint_04_check', '04_check: start again');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.complete(), '04_check', '04_check: complete');
SELECT * FROM pg_temp.after_complete('04_check');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'users_age_check'),
          'CHECK ((age >= 0)) NO INHERIT', '04_check: after complete the check under its name, NO INHERIT');
SELECT is(pg_temp.validated('users_age_check'), 'true', '04_check: after complete the check is valid');
SELECT is(pg_temp.nw($$INSERT INTO users (id, email, age) VALUES (34, 'u34', -1)$$), '23514', '04_check: after complete a violation is refused');
SELECT is(pg_temp.nq($$SELECT id, age FROM users WHERE id BETWEEN 30 AND 34 ORDER BY id$$), '(31,5) (32,0) (33,0)',
          '04_check: after complete the data');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 05_check_multi: orders discount <= price
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('05_check_multi', $j${"operations": [
  {"create_constraint": {"table": "orders", "name": "orders_discount_check", "type": "check",
     "columns": ["price", "discount"], "check": "discount <= price",
     "up": {"price": "coalesce(price, 0)", "discount": "least(discount, coalesce(price, 0))"},
     "down": {"price": "price", "discount": "discount"}}}]}$j$);
SELECT pg_temp.before_start('05_check_multi') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('05_check_multi'), 'tap_create_constraint_05_check_multi', '05_check_multi: start');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.work_left(), '', '05_check_multi: the background work is done');
SELECT is(pg_temp.nq($$SELECT id, price, discount FROM orders ORDER BY id$$), '(1,100,10) (2,50,50) (3,20,0) (4,10,10)',
          '05_check_multi: existing rows repaired by up (least ignores NULL)');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, price, discount) VALUES (10, 5, 6)$$), '23514',
          '05_check_multi: new writer: a violation is refused');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, price, discount) VALUES (11, 5, 5)$$), 'ok', '05_check_multi: new writer: a valid row');
SELECT is(pg_temp.ow($$INSERT INTO orders (id, price, discount) VALUES (12, 5, 9), (13, NULL, 3)$$), 'ok',
          '05_check_multi: old writer: violations are accepted');
SELECT is(pg_temp.nq($$SELECT id, price, discount FROM orders WHERE id >= 10 ORDER BY id$$), '(11,5,5) (12,5,5) (13,0,0)',
          '05_check_multi: the new version sees up''s repairs');
SELECT is(pg_temp.oq($$SELECT id, price, discount FROM orders WHERE id >= 10 ORDER BY id$$), '(11,5,5) (12,5,9) (13,,3)',
          '05_check_multi: the old version sees what was written');
SELECT is(pg_temp.nw($$UPDATE orders SET discount = 101 WHERE id = 1$$), '23514', '05_check_multi: new writer: an update is checked');
SELECT pg_temp.before_rollback('05_check_multi') AS void \gset
SELECT is(pg_temp.rollback(), '05_check_multi', '05_check_multi: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('05_check_multi', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('05_check_multi'), 'tap_create_constraint_05_check_multi', '05_check_multi: start again');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.complete(), '05_check_multi', '05_check_multi: complete');
SELECT * FROM pg_temp.after_complete('05_check_multi');
SELECT is(pg_temp.cons('orders'), 'orders_discount_check CHECK ((discount <= price)); orders_pkey PRIMARY KEY (id)',
          '05_check_multi: after complete the check under its name');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.orders'),
          '{id,user_id,price,discount,seller_name,seller_zip}'::name[], '05_check_multi: after complete the view');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, price, discount) VALUES (14, 1, 2)$$), '23514',
          '05_check_multi: after complete a violation is refused');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 06_fk: orders.user_id references users, CASCADE, DEFERRABLE INITIALLY DEFERRED
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('06_fk', $j${"operations": [
  {"create_constraint": {"table": "orders", "name": "orders_user_fk", "type": "foreign_key", "columns": ["user_id"],
     "references": {"table": "users", "columns": ["id"], "on_delete": "CASCADE", "on_update": "NO ACTION",
                    "match_type": "SIMPLE"},
     "deferrable": true, "initially_deferred": true,
     "up": {"user_id": "CASE WHEN user_id IN (SELECT id FROM users) THEN user_id END"},
     "down": {"user_id": "user_id"}}}]}$j$);
SELECT pg_temp.before_start('06_fk') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('06_fk'), 'tap_create_constraint_06_fk', '06_fk: start');
SELECT is(pg_temp.validated('orders_user_fk'), 'false', '06_fk: the foreign key is added NOT VALID');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.work_left(), '', '06_fk: the background work is done');
SELECT is(pg_temp.validated('orders_user_fk'), 'true', '06_fk: the worker validated it');
SELECT is(pg_temp.nq($$SELECT id, user_id FROM orders WHERE id <= 4 ORDER BY id$$), '(1,1) (2,) (3,) (4,2)',
          '06_fk: existing rows repaired by up');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, user_id) VALUES (20, 99)$$), '23503', '06_fk: new writer: a dangling reference is refused');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, user_id) VALUES (21, 2)$$), 'ok', '06_fk: new writer: a valid reference');
SELECT is(pg_temp.ow($$INSERT INTO orders (id, user_id) VALUES (22, 77)$$), 'ok', '06_fk: old writer: a dangling reference is accepted');
SELECT is(pg_temp.nq($$SELECT user_id FROM orders WHERE id = 22$$), '()', '06_fk: the new version sees up''s repair');
SELECT is(pg_temp.oq($$SELECT user_id FROM orders WHERE id = 22$$), '(77)', '06_fk: the old version sees what it wrote');
SELECT pg_temp.before_rollback('06_fk') AS void \gset
SELECT is(pg_temp.rollback(), '06_fk', '06_fk: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('06_fk', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('06_fk'), 'tap_create_constraint_06_fk', '06_fk: start again');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.complete(), '06_fk', '06_fk: complete');
SELECT * FROM pg_temp.after_complete('06_fk');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'orders_user_fk'),
          'FOREIGN KEY (user_id) REFERENCES tap_create_constraint.users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED',
          '06_fk: after complete the foreign key under its name, with its actions and deferral');
SELECT is(pg_temp.validated('orders_user_fk'), 'true', '06_fk: after complete the foreign key is valid');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, user_id) VALUES (23, 99)$$), '23503', '06_fk: after complete a dangling reference is refused');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, user_id) VALUES (24, 500); INSERT INTO users (id, email) VALUES (500, 'u500')$$), 'ok',
          '06_fk: after complete the check is deferred (the referenced row may come later in the transaction)');
SELECT is(pg_temp.nw($$DELETE FROM users WHERE id = 500$$), 'ok', '06_fk: after complete delete a referenced user');
SELECT is(pg_temp.nq($$SELECT count(*) FROM orders WHERE id = 24$$), '(0)', '06_fk: after complete ON DELETE CASCADE applies');
SELECT is(pg_temp.nq($$SELECT id, user_id FROM orders WHERE id IN (2, 21, 22) ORDER BY id$$), '(2,) (21,2) (22,)',
          '06_fk: after complete the data');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 07_fk_multi: orders (seller_name, seller_zip) references sellers,
-- MATCH FULL, ON UPDATE CASCADE, ON DELETE RESTRICT
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('07_fk_multi', $j${"operations": [
  {"create_constraint": {"table": "orders", "name": "orders_seller_fk", "type": "foreign_key",
     "columns": ["seller_name", "seller_zip"],
     "references": {"table": "sellers", "columns": ["name", "zip"], "match_type": "FULL",
                    "on_update": "CASCADE", "on_delete": "RESTRICT"},
     "up": {"seller_name": "CASE WHEN (seller_name, seller_zip) IN (SELECT name, zip FROM sellers) THEN seller_name END",
            "seller_zip": "CASE WHEN (seller_name, seller_zip) IN (SELECT name, zip FROM sellers) THEN seller_zip END"},
     "down": {"seller_name": "seller_name", "seller_zip": "seller_zip"}}}]}$j$);
SELECT pg_temp.before_start('07_fk_multi') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('07_fk_multi'), 'tap_create_constraint_07_fk_multi', '07_fk_multi: start');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.work_left(), '', '07_fk_multi: the background work is done');
SELECT is(pg_temp.nq($$SELECT id, seller_name, seller_zip FROM orders WHERE id <= 4 ORDER BY id$$),
          '(1,acme,10) (2,,) (3,,) (4,bolt,20)', '07_fk_multi: existing rows repaired by up');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, seller_name, seller_zip) VALUES (30, 'acme', 99)$$), '23503',
          '07_fk_multi: new writer: a dangling reference is refused');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, seller_name, seller_zip) VALUES (31, 'acme', NULL)$$), '23503',
          '07_fk_multi: new writer: MATCH FULL refuses a half-NULL reference');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, seller_name, seller_zip) VALUES (32, 'bolt', 20)$$), 'ok',
          '07_fk_multi: new writer: a valid reference');
SELECT is(pg_temp.ow($$INSERT INTO orders (id, seller_name, seller_zip) VALUES (33, 'nope', 1)$$), 'ok',
          '07_fk_multi: old writer: a dangling reference is accepted');
SELECT is(pg_temp.nq($$SELECT seller_name, seller_zip FROM orders WHERE id = 33$$), '(,)', '07_fk_multi: the new version sees up''s repair');
SELECT is(pg_temp.oq($$SELECT seller_name, seller_zip FROM orders WHERE id = 33$$), '(nope,1)', '07_fk_multi: the old version sees what it wrote');
SELECT pg_temp.before_rollback('07_fk_multi') AS void \gset
SELECT is(pg_temp.rollback(), '07_fk_multi', '07_fk_multi: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('07_fk_multi', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('07_fk_multi'), 'tap_create_constraint_07_fk_multi', '07_fk_multi: start again');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.complete(), '07_fk_multi', '07_fk_multi: complete');
SELECT * FROM pg_temp.after_complete('07_fk_multi');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'orders_seller_fk'),
          'FOREIGN KEY (seller_name, seller_zip) REFERENCES tap_create_constraint.sellers(name, zip) MATCH FULL ON UPDATE CASCADE ON DELETE RESTRICT',
          '07_fk_multi: after complete the foreign key under its name, with its options');
SELECT is(pg_temp.nw($$INSERT INTO orders (id, seller_name, seller_zip) VALUES (34, 'acme', NULL)$$), '23503',
          '07_fk_multi: after complete MATCH FULL is enforced');
SELECT is(pg_temp.nw($$UPDATE sellers SET zip = 11 WHERE name = 'acme' AND zip = 10$$), 'ok', '07_fk_multi: after complete update a referenced key');
SELECT is(pg_temp.nq($$SELECT seller_name, seller_zip FROM orders WHERE id = 1$$), '(acme,11)',
          '07_fk_multi: after complete ON UPDATE CASCADE applies');
SELECT is(pg_temp.nw($$DELETE FROM sellers WHERE name = 'bolt'$$), '23503', '07_fk_multi: after complete ON DELETE RESTRICT applies');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 08_fk_setcols: shipments (seller_name, seller_zip) references sellers,
-- ON DELETE SET NULL (seller_zip)
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('08_fk_setcols', $j${"operations": [
  {"create_constraint": {"table": "shipments", "name": "shipments_seller_fk", "type": "foreign_key",
     "columns": ["seller_name", "seller_zip"],
     "references": {"table": "sellers", "columns": ["name", "zip"], "on_delete": "SET NULL",
                    "on_delete_set_columns": ["seller_zip"]},
     "up": {"seller_name": "seller_name",
            "seller_zip": "CASE WHEN (seller_name, seller_zip) IN (SELECT name, zip FROM sellers) THEN seller_zip END"},
     "down": {"seller_name": "seller_name", "seller_zip": "seller_zip"}}}]}$j$);
SELECT pg_temp.before_start('08_fk_setcols') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('08_fk_setcols'), 'tap_create_constraint_08_fk_setcols', '08_fk_setcols: start');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.work_left(), '', '08_fk_setcols: the background work is done');
SELECT is(pg_temp.nq($$SELECT id, seller_name, seller_zip FROM shipments ORDER BY id$$), '(1,cart,30) (2,cart,)',
          '08_fk_setcols: existing rows repaired by up');
SELECT is(pg_temp.nw($$INSERT INTO shipments (id, seller_name, seller_zip) VALUES (10, 'cart', 99)$$), '23503',
          '08_fk_setcols: new writer: a dangling reference is refused');
SELECT is(pg_temp.ow($$INSERT INTO shipments (id, seller_name, seller_zip) VALUES (11, 'cart', 99)$$), 'ok',
          '08_fk_setcols: old writer: a dangling reference is accepted');
SELECT is(pg_temp.nq($$SELECT seller_name, seller_zip FROM shipments WHERE id = 11$$), '(cart,)',
          '08_fk_setcols: the new version sees up''s repair');
SELECT pg_temp.before_rollback('08_fk_setcols') AS void \gset
SELECT is(pg_temp.rollback(), '08_fk_setcols', '08_fk_setcols: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('08_fk_setcols', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('08_fk_setcols'), 'tap_create_constraint_08_fk_setcols', '08_fk_setcols: start again');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.complete(), '08_fk_setcols', '08_fk_setcols: complete');
SELECT * FROM pg_temp.after_complete('08_fk_setcols');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'shipments_seller_fk'),
          'FOREIGN KEY (seller_name, seller_zip) REFERENCES tap_create_constraint.sellers(name, zip) ON DELETE SET NULL (seller_zip)',
          '08_fk_setcols: after complete the foreign key under its name, with its SET NULL columns');
SELECT is(pg_temp.nw($$DELETE FROM sellers WHERE name = 'cart'$$), 'ok', '08_fk_setcols: after complete delete a referenced seller');
SELECT is(pg_temp.nq($$SELECT id, seller_name, seller_zip FROM shipments WHERE id = 1$$), '(1,cart,)',
          '08_fk_setcols: after complete ON DELETE SET NULL (seller_zip) nulls only that column');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 09_pk: a primary key (a, b) on logs, a table without any key
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('09_pk', $j${"operations": [
  {"create_constraint": {"table": "logs", "name": "logs_pkey", "type": "primary_key", "columns": ["a", "b"],
     "up": {"a": "coalesce(a, -1)", "b": "coalesce(b, '?')"}, "down": {"a": "a", "b": "b"}}}]}$j$);
SET pgroll.backfill_batch_size = 200;
SET pgroll.backfill_batch_time = 0;
SELECT pg_temp.before_start('09_pk') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('09_pk'), 'tap_create_constraint_09_pk', '09_pk: start');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.work_left(), '', '09_pk: the background work is done');
SELECT is(pg_temp.nq($$SELECT count(*), count(a), count(b), min(a), sum(a) FROM logs$$), '(1001,1001,1001,-1,500499)',
          '09_pk: the backfill found every row of a table without a key');
SELECT is(pg_temp.nw($$INSERT INTO logs (a, b, msg) VALUES (NULL, 'q', 'x')$$), '23514', '09_pk: new writer: NULL refused');
SELECT is(pg_temp.nw($$INSERT INTO logs (a, b, msg) VALUES (1, 'b1', 'x')$$), '23505', '09_pk: new writer: a duplicate key refused');
SELECT is(pg_temp.nw($$INSERT INTO logs (a, b, msg) VALUES (5000, 'z', 'new')$$), 'ok', '09_pk: new writer: a new key');
SELECT is(pg_temp.ow($$INSERT INTO logs (a, b, msg) VALUES (NULL, 'bn', 'old null')$$), 'ok', '09_pk: old writer: NULL accepted');
SELECT is(pg_temp.nq($$SELECT a, b FROM logs WHERE msg = 'old null'$$), '(-1,bn)', '09_pk: the new version sees up''s repair');
SELECT is(pg_temp.ow($$INSERT INTO logs (a, b, msg) VALUES (1, 'b1', 'x')$$), '23505',
          '09_pk: old writer: a key up leaves a duplicate is refused');
SELECT pg_temp.before_rollback('09_pk') AS void \gset
SELECT is(pg_temp.rollback(), '09_pk', '09_pk: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('09_pk', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('09_pk'), 'tap_create_constraint_09_pk', '09_pk: start again');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.complete(), '09_pk', '09_pk: complete');
SELECT * FROM pg_temp.after_complete('09_pk');
SELECT is(pg_temp.cons('logs'), 'logs_pkey PRIMARY KEY (a, b)', '09_pk: after complete the primary key under its name');
SELECT is(pg_temp.coldef('logs', 'a'), 'integer NOT NULL', '09_pk: after complete a is NOT NULL');
SELECT is(pg_temp.coldef('logs', 'b'), 'text NOT NULL', '09_pk: after complete b is NOT NULL');
SELECT is(pg_temp.cols(pg_temp.new_version() || '.logs'), '{a,b,msg}'::name[], '09_pk: after complete the view');
SELECT is(pg_temp.nq($$SELECT count(*), count(DISTINCT (a, b)) FROM logs$$), '(1003,1003)', '09_pk: after complete every row');
SELECT is(pg_temp.nw($$INSERT INTO logs (a, b, msg) VALUES (NULL, 'q', 'x')$$), '23502', '09_pk: after complete NULL is a not_null_violation');
SELECT is(pg_temp.nw($$INSERT INTO logs (a, b, msg) VALUES (5000, 'z', 'x')$$), '23505', '09_pk: after complete the key is unique');
RESET pgroll.backfill_batch_size;
RESET pgroll.backfill_batch_time;
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- 10_unique_existing: tags (label, color) where label is already unique
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES ('10_unique_existing', $j${"operations": [
  {"create_constraint": {"table": "tags", "name": "tags_label_color_key", "type": "unique", "columns": ["label", "color"],
     "up": {"label": "label", "color": "coalesce(color, 'none')"}, "down": {"label": "label", "color": "color"}}}]}$j$);
SELECT pg_temp.before_start('10_unique_existing') AS void \gset
\set dump_before `:dumpcmd`
SELECT is(pg_temp.start('10_unique_existing'), 'tap_create_constraint_10_unique_existing', '10_unique_existing: start');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.work_left(), '', '10_unique_existing: the background work is done');
SELECT is(pg_temp.nw($$INSERT INTO tags (id, label, color) VALUES (10, 'blue', 'x')$$), '23505',
          '10_unique_existing: new writer: the column''s own unique constraint still applies');
SELECT is(pg_temp.nw($$INSERT INTO tags (id, label, color) VALUES (10, 'green', 'g')$$), 'ok', '10_unique_existing: new writer inserts');
SELECT is(pg_temp.ow($$INSERT INTO tags (id, label, color) VALUES (11, 'green', 'x')$$), '23505',
          '10_unique_existing: old writer: the unique constraint applies');
SELECT is(pg_temp.nq($$SELECT id, label, color FROM tags ORDER BY id$$), '(1,red,none) (2,blue,b) (10,green,g)',
          '10_unique_existing: reads through the new version');
SELECT pg_temp.before_rollback('10_unique_existing') AS void \gset
SELECT is(pg_temp.rollback(), '10_unique_existing', '10_unique_existing: rollback');
\set dump_after `:dumpcmd`
SELECT * FROM pg_temp.after_rollback('10_unique_existing', :'dump_before', :'dump_after');
SELECT is(pg_temp.start('10_unique_existing'), 'tap_create_constraint_10_unique_existing', '10_unique_existing: start again');
CALL pgroll.wait('tap_create_constraint', '2 minutes');
SELECT is(pg_temp.complete(), '10_unique_existing', '10_unique_existing: complete');
SELECT * FROM pg_temp.after_complete('10_unique_existing');
SELECT is(pg_temp.cons('tags'),
          'tags_label_color_key UNIQUE (label, color); tags_label_key UNIQUE (label); tags_pkey PRIMARY KEY (id)',
          '10_unique_existing: after complete both unique constraints under their names');
SELECT is(pg_temp.idx('tags'),
          'CREATE UNIQUE INDEX tags_label_color_key ON tap_create_constraint.tags USING btree (label, color); '
          'CREATE UNIQUE INDEX tags_label_key ON tap_create_constraint.tags USING btree (label); '
          'CREATE UNIQUE INDEX tags_pkey ON tap_create_constraint.tags USING btree (id)',
          '10_unique_existing: after complete the indexes');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- ---------------------------------------------------------------------
-- Refusals: validate and start raise the same error; nothing changes
-- ---------------------------------------------------------------------
INSERT INTO migration_docs VALUES
('bad_name_taken', $j${"operations": [{"create_constraint": {"table": "users", "name": "users_pkey", "type": "unique",
   "columns": ["nick"], "up": {"nick": "nick"}, "down": {"nick": "nick"}}}]}$j$),
('bad_relation_taken', $j${"operations": [{"create_constraint": {"table": "users", "name": "orders", "type": "unique",
   "columns": ["nick"], "up": {"nick": "nick"}, "down": {"nick": "nick"}}}]}$j$),
('bad_second_pk', $j${"operations": [{"create_constraint": {"table": "users", "name": "users_pk2", "type": "primary_key",
   "columns": ["nick"], "up": {"nick": "nick"}, "down": {"nick": "nick"}}}]}$j$),
('bad_extra_up', $j${"operations": [{"create_constraint": {"table": "users", "name": "users_nick_key", "type": "unique",
   "columns": ["nick"], "up": {"nick": "nick", "age": "age"}, "down": {"nick": "nick"}}}]}$j$),
('bad_no_check', $j${"operations": [{"create_constraint": {"table": "users", "name": "users_nick_check", "type": "check",
   "columns": ["nick"], "up": {"nick": "nick"}, "down": {"nick": "nick"}}}]}$j$),
('bad_column', $j${"operations": [{"create_constraint": {"table": "users", "name": "users_x_key", "type": "unique",
   "columns": ["no_such_column"], "up": {"no_such_column": "nick"}, "down": {"no_such_column": "nick"}}}]}$j$),
('bad_ref_table', $j${"operations": [{"create_constraint": {"table": "users", "name": "users_x_fk", "type": "foreign_key",
   "columns": ["nick"], "references": {"table": "no_such_table", "columns": ["id"]},
   "up": {"nick": "nick"}, "down": {"nick": "nick"}}}]}$j$),
('bad_up_expr', $j${"operations": [{"create_constraint": {"table": "users", "name": "users_nick_key", "type": "unique",
   "columns": ["nick"], "up": {"nick": "no_such_column"}, "down": {"nick": "nick"}}}]}$j$);
SELECT pg_temp.before_start('bad') AS void \gset
SELECT is(pg_temp.start_error('bad_name_taken'), '42710', 'refused: a constraint name the table has');
SELECT is(pg_temp.start_error('bad_relation_taken'), '42P07', 'refused: an index name a relation of the schema has');
SELECT is(pg_temp.start_error('bad_second_pk'), '42P16', 'refused: a second primary key');
SELECT is(pg_temp.start_error('bad_extra_up'), '22023', 'refused: up for a column not in the constraint');
SELECT is(pg_temp.start_error('bad_no_check'), '22023', 'refused: a check without its expression');
SELECT is(pg_temp.start_error('bad_column'), '42703', 'refused: an unknown column');
SELECT is(pg_temp.start_error('bad_ref_table'), '42P01', 'refused: an unknown referenced table');
SELECT is(pg_temp.start_error('bad_up_expr'), '42703', 'refused: an up that does not compile');
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error(id) FROM migration_docs WHERE id LIKE 'bad%' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error(id) FROM migration_docs WHERE id LIKE 'bad%' ORDER BY id$$,
    'refused: validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot(), (SELECT catalog FROM snaps WHERE id = 'bad'), 'refused: nothing changed');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_create_constraint' AND name LIKE 'bad%'), 0,
          'refused: no history rows');

SELECT * FROM finish();

-- clean up
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tap\_create\_constraint%' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
    DELETE FROM pgroll.jobs WHERE schema = 'tap_create_constraint';
    DELETE FROM pgroll.migrations WHERE schema = 'tap_create_constraint';
END $$;
