-- pgTAP tests for the drop_column operation.
--
-- Base: 01_base (create_table products, reviews -> products.sku), completed.
-- 02_drop drops products.price (nullable) and products.stock (with a
-- default): started, checked, rolled back, checked, started again,
-- completed, checked.  03_reserved creates a table with reserved-word
-- names and drops one of its columns in the same migration.  Then refusals
-- (including columns that another table's FK or a user view depends on).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
SELECT plan(51);
CREATE SCHEMA tap_drop_column;

-- the shared helpers: snapshot(), pgroll_leftovers(), error catching
\ir helpers.psql

-- Migration documents of this file, by id
CREATE TEMP TABLE docs (id text PRIMARY KEY, doc jsonb NOT NULL);

INSERT INTO docs VALUES
('01_base', $j${"name": "01_base", "operations": [
  {"create_table": {"name": "products", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "name", "type": "text"},
     {"name": "price", "type": "integer", "nullable": true,
      "check": {"name": "products_price_positive", "constraint": "price > 0"}},
     {"name": "stock", "type": "integer", "default": "5"},
     {"name": "sku", "type": "text", "nullable": true, "unique": true}]}},
  {"create_table": {"name": "reviews", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "sku", "type": "text", "nullable": true,
      "references": {"name": "reviews_sku_fk", "table": "products", "column": "sku"}}]}}]}$j$),
('02_drop', $j${"name": "02_drop", "operations": [
  {"drop_column": {"table": "products", "column": "price"}},
  {"drop_column": {"table": "products", "column": "stock"}}]}$j$),
('03_reserved', $j${"name": "03_reserved", "operations": [
  {"create_table": {"name": "user", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "order", "type": "integer", "nullable": true},
     {"name": "select", "type": "text", "nullable": true}]}},
  {"drop_column": {"table": "user", "column": "order"}}]}$j$),
('bad_down', $j${"name": "bad_down", "operations": [
  {"drop_column": {"table": "products", "column": "name", "down": "no_such_column || 'x'"}}]}$j$),
('bad_missing_column', $j${"name": "bad_missing_column", "operations": [
  {"drop_column": {"table": "products", "column": "no_such_column"}}]}$j$),
('bad_missing_table', $j${"name": "bad_missing_table", "operations": [
  {"drop_column": {"table": "no_such_table", "column": "id"}}]}$j$),
('bad_twice', $j${"name": "bad_twice", "operations": [
  {"drop_column": {"table": "products", "column": "name"}},
  {"drop_column": {"table": "products", "column": "name"}}]}$j$),
('bad_view_dependent', $j${"name": "bad_view_dependent", "operations": [
  {"drop_column": {"table": "products", "column": "name"}}]}$j$),
('bad_referenced', $j${"name": "bad_referenced", "operations": [
  {"drop_column": {"table": "products", "column": "sku"}}]}$j$);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                              'tap_drop_column', id)) $f$;
CREATE FUNCTION pg_temp.start_error(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.error_of(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                                  'tap_drop_column', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_drop_column')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_drop_column')$$) $f$;

-- roll back a migration that a wrongly accepted document left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_drop_column') THEN
        PERFORM pgroll.rollback('tap_drop_column');
    END IF;
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('01_base'), 'tap_drop_column_01_base', 'start 01_base');
SELECT is(pg_temp.complete(), '01_base', 'complete 01_base');
INSERT INTO tap_drop_column.products (id, name, price, stock, sku)
VALUES (1, 'apple', 10, 7, 'A1'), (2, 'pear', NULL, 0, NULL);

CREATE TEMP TABLE snap_before AS SELECT pg_temp.snapshot('tap_drop_column') AS s;

-- ---------------------------------------------------------------------
-- 02_drop: start
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_drop'), 'tap_drop_column_02_drop', 'start 02_drop');
SELECT is(pg_temp.cols('tap_drop_column_02_drop.products'), ARRAY['id', 'name', 'sku']::name[],
          'the new version does not show the dropped columns');
SELECT is(pg_temp.cols('tap_drop_column_01_base.products'), ARRAY['id', 'name', 'price', 'stock', 'sku']::name[],
          'the old version still shows the dropped columns');
SELECT has_column('tap_drop_column', 'products', 'price', 'the base column stays until complete');
SELECT has_column('tap_drop_column', 'products', 'stock', 'the second base column stays until complete');
SELECT results_eq($$SELECT id, name, sku FROM tap_drop_column_02_drop.products ORDER BY id$$,
                  $$VALUES (1, 'apple', 'A1'), (2, 'pear', NULL)$$, 'the new version reads the rows');
SELECT lives_ok($$INSERT INTO tap_drop_column_02_drop.products (id, name, sku) VALUES (3, 'plum', 'P3')$$,
                'insert through the new version, without the dropped columns');
SELECT results_eq($$SELECT id, price, stock FROM tap_drop_column_01_base.products WHERE id = 3$$,
                  $$VALUES (3, NULL::int, 5)$$,
                  'the old version sees NULL for the nullable column and the default for the other');
SELECT lives_ok($$INSERT INTO tap_drop_column_01_base.products (id, name, price, stock) VALUES (4, 'fig', 3, 9)$$,
                'insert through the old version, with the dropped columns');
SELECT throws_ok($$INSERT INTO tap_drop_column_01_base.products (id, name, price) VALUES (5, 'bad', -1)$$,
                 '23514', NULL, 'the check on the dropped column still applies to old-version writes');
SELECT results_eq($$SELECT id, name FROM tap_drop_column_02_drop.products ORDER BY id$$,
                  $$VALUES (1, 'apple'), (2, 'pear'), (3, 'plum'), (4, 'fig')$$,
                  'the new version sees rows written by both versions');
SELECT throws_ok($$SELECT price FROM tap_drop_column_02_drop.products$$, '42703', NULL,
                 'the dropped column cannot be selected through the new version');
SELECT lives_ok($$UPDATE tap_drop_column_02_drop.products SET name = 'Apple' WHERE id = 1$$,
                'update through the new version');
SELECT results_eq($$SELECT name, price, stock FROM tap_drop_column_01_base.products WHERE id = 1$$,
                  $$VALUES ('Apple', 10, 7)$$, 'a new-version update keeps the dropped columns'' values');

-- ---------------------------------------------------------------------
-- 02_drop: rollback
-- ---------------------------------------------------------------------
SELECT is(pg_temp.rollback(), '02_drop', 'rollback 02_drop');
SELECT hasnt_schema('tap_drop_column_02_drop', 'rollback drops the new version schema');
SELECT is(pg_temp.snapshot('tap_drop_column'), (SELECT s FROM snap_before),
          'after rollback the schema is exactly as before start');
SELECT results_eq($$SELECT id, name, price, stock FROM tap_drop_column.products ORDER BY id$$,
                  $$VALUES (1, 'Apple', 10, 7), (2, 'pear', NULL, 0), (3, 'plum', NULL, 5), (4, 'fig', 3, 9)$$,
                  'rollback keeps all rows and the dropped columns'' values');
SELECT is(pg_temp.pgroll_leftovers('tap_drop_column'), '', 'no _pgroll_ objects after rollback');

-- ---------------------------------------------------------------------
-- 02_drop: start again and complete
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_drop'), 'tap_drop_column_02_drop', 'start 02_drop again');
SELECT is(pg_temp.complete(), '02_drop', 'complete 02_drop');
SELECT hasnt_column('tap_drop_column', 'products', 'price', 'the column is dropped at complete');
SELECT hasnt_column('tap_drop_column', 'products', 'stock', 'the second column is dropped at complete');
SELECT is((SELECT count(*)::int FROM pg_constraint WHERE conname = 'products_price_positive'), 0,
          'the dropped column''s check constraint is gone');
SELECT ok(pg_temp.is_retired('tap_drop_column_01_base'), 'complete retires the previous version schema');
SELECT is(pg_temp.cols('tap_drop_column_02_drop.products'), ARRAY['id', 'name', 'sku']::name[],
          'the new version view after complete');
SELECT results_eq($$SELECT id, name, sku FROM tap_drop_column_02_drop.products ORDER BY id$$,
                  $$VALUES (1, 'Apple', 'A1'), (2, 'pear', NULL), (3, 'plum', 'P3'), (4, 'fig', NULL)$$,
                  'the remaining columns keep their values');
SELECT lives_ok($$INSERT INTO tap_drop_column_02_drop.products (id, name) VALUES (6, 'kiwi')$$,
                'insert through the new version after complete');
SELECT is(pg_temp.pgroll_leftovers('tap_drop_column'), '', 'no _pgroll_ objects after complete');

-- ---------------------------------------------------------------------
-- 03_reserved: reserved-word names; a column dropped from a table created
-- in the same migration
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap_before_03 AS SELECT pg_temp.snapshot('tap_drop_column') AS s;
SELECT is(pg_temp.start('03_reserved'), 'tap_drop_column_03_reserved', 'start 03_reserved');
SELECT is(pg_temp.cols('tap_drop_column_03_reserved."user"'), ARRAY['id', 'select']::name[],
          'the new view of "user" leaves out "order"');
SELECT lives_ok($$INSERT INTO tap_drop_column_03_reserved."user" (id, "select") VALUES (1, 'x')$$,
                'insert through the view with reserved-word names');
SELECT is(pg_temp.rollback(), '03_reserved', 'rollback 03_reserved');
SELECT is(pg_temp.snapshot('tap_drop_column'), (SELECT s FROM snap_before_03),
          'after rollback of 03_reserved the schema is exactly as before');
SELECT is(pg_temp.start('03_reserved'), 'tap_drop_column_03_reserved', 'start 03_reserved again');
SELECT is(pg_temp.complete(), '03_reserved', 'complete 03_reserved');
SELECT is(pg_temp.cols('tap_drop_column."user"'), ARRAY['id', 'select']::name[],
          'complete drops "order" from the new table');
SELECT is(pg_temp.pgroll_leftovers('tap_drop_column'), '', 'no _pgroll_ objects after complete of 03_reserved');

-- ---------------------------------------------------------------------
-- Refusals
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap_before_bad AS SELECT pg_temp.snapshot('tap_drop_column') AS s;
SELECT is(pg_temp.start_error('bad_down'), '42703', 'a down that uses an unknown column is refused at start');
SELECT is(pg_temp.start_error('bad_missing_column'), '42703', 'dropping a missing column is refused');
SELECT is(pg_temp.start_error('bad_missing_table'), '42P01', 'dropping a column of a missing table is refused');
SELECT is(pg_temp.start_error('bad_twice'), '42703', 'dropping the same column twice in one migration is refused');
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error('tap_drop_column', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error_undone('tap_drop_column', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    'validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot('tap_drop_column'), (SELECT s FROM snap_before_bad),
          'refused migrations change nothing');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_drop_column' AND name LIKE 'bad%'),
          0, 'refused migrations leave no history row');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- a view of the user's (outside pgroll's version schemas) uses the column
CREATE VIEW tap_drop_column.product_names AS SELECT name FROM tap_drop_column.products;
SELECT is(pg_temp.start_error('bad_view_dependent'), '2BP01',
          'dropping a column a user view depends on is refused at start');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_drop_column' AND name = 'bad_view_dependent'),
          0, 'the refused drop of a column a view uses leaves no history row');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;
DROP VIEW tap_drop_column.product_names;

-- complete could not drop it (DROP COLUMN without CASCADE fails with 2BP01),
-- so start must refuse it, as drop_table does for a referenced table
SELECT is(pg_temp.start_error('bad_referenced'), '2BP01',
          'dropping a column another table''s FK references is refused at start');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_drop_column' AND name = 'bad_referenced'),
          0, 'the refused drop of a referenced column leaves no history row');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

SELECT * FROM finish(true);
ROLLBACK;
