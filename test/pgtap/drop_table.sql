-- pgTAP tests for the drop_table operation.
--
-- Base: 01_base (create_table authors, books -> authors, tags), completed.
-- 02_drop_tags drops tags: started, checked, rolled back, checked, started
-- again, completed, checked.  Then refusals (including tables that other
-- schemas' foreign keys or user views depend on), dropping a table and
-- creating one with the same name (025), and dropping a referencing and a
-- referenced table together (03).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
SELECT plan(70);
CREATE SCHEMA tap_drop_table;
CREATE SCHEMA tap_dt_other;

-- the shared helpers: snapshot(), pgroll_leftovers(), error catching
\ir helpers.psql

-- Migration documents of this file, by id
CREATE TEMP TABLE docs (id text PRIMARY KEY, doc jsonb NOT NULL);

INSERT INTO docs VALUES
('01_base', $j${"name": "01_base", "operations": [
  {"create_table": {"name": "authors", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "name", "type": "text"}]}},
  {"create_table": {"name": "books", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "author_id", "type": "integer", "nullable": true,
      "references": {"name": "books_author_fk", "table": "authors", "column": "id"}},
     {"name": "title", "type": "text"}]}},
  {"create_table": {"name": "tags", "comment": "free-form tags", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "label", "type": "text", "unique": true},
     {"name": "weight", "type": "integer", "default": "1"}]}}]}$j$),
('02_drop_tags', $j${"name": "02_drop_tags", "operations": [{"drop_table": {"name": "tags"}}]}$j$),
('025_recreate_books', $j${"name": "025_recreate_books", "operations": [
  {"drop_table": {"name": "books"}},
  {"create_table": {"name": "books", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "isbn", "type": "text", "unique": true}]}}]}$j$),
('03_drop_books_authors', $j${"name": "03_drop_books_authors", "operations": [
  {"drop_table": {"name": "books"}}, {"drop_table": {"name": "authors"}}]}$j$),
('bad_referenced', $j${"name": "bad_referenced", "operations": [{"drop_table": {"name": "authors"}}]}$j$),
('bad_missing', $j${"name": "bad_missing", "operations": [{"drop_table": {"name": "no_such_table"}}]}$j$),
('bad_twice', $j${"name": "bad_twice", "operations": [
  {"drop_table": {"name": "books"}}, {"drop_table": {"name": "books"}}]}$j$),
('bad_dropped_then_renamed', $j${"name": "bad_dropped_then_renamed", "operations": [
  {"drop_table": {"name": "books"}}, {"rename_table": {"from": "books", "to": "books2"}}]}$j$),
('bad_view_dependent', $j${"name": "bad_view_dependent", "operations": [{"drop_table": {"name": "books"}}]}$j$),
('bad_cross_schema_ref', $j${"name": "bad_cross_schema_ref", "operations": [{"drop_table": {"name": "books"}}]}$j$);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                              'tap_drop_table', id)) $f$;
CREATE FUNCTION pg_temp.start_error(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.error_of(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                                  'tap_drop_table', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_drop_table')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_drop_table')$$) $f$;

-- roll back a migration that a wrongly accepted document left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_drop_table') THEN
        PERFORM pgroll.rollback('tap_drop_table');
    END IF;
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('01_base'), 'tap_drop_table_01_base', 'start 01_base');
SELECT is(pg_temp.complete(), '01_base', 'complete 01_base');
INSERT INTO tap_drop_table.authors VALUES (1, 'Ann'), (2, 'Bob');
INSERT INTO tap_drop_table.books VALUES (10, 1, 'First'), (11, 2, 'Second');
INSERT INTO tap_drop_table.tags (id, label) VALUES (1, 'red'), (2, 'green');

CREATE TEMP TABLE snap_before AS SELECT pg_temp.snapshot('tap_drop_table') AS s;

-- ---------------------------------------------------------------------
-- 02_drop_tags: start
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_drop_tags'), 'tap_drop_table_02_drop_tags', 'start 02_drop_tags');
SELECT hasnt_view('tap_drop_table_02_drop_tags', 'tags', 'the new version has no view for the dropped table');
SELECT has_view('tap_drop_table_02_drop_tags', 'authors', 'the new version keeps the other tables');
SELECT has_view('tap_drop_table_01_base', 'tags', 'the old version keeps its view of the dropped table');
SELECT hasnt_table('tap_drop_table', 'tags', 'the table is no longer under its name during the migration');
SELECT has_table('tap_drop_table', '_pgroll_del_tags', 'the table is renamed to _pgroll_del_tags at start');
SELECT results_eq($$SELECT id, label, weight FROM tap_drop_table_01_base.tags ORDER BY id$$,
                  $$VALUES (1, 'red', 1), (2, 'green', 1)$$,
                  'the old version still reads the dropped table');
SELECT lives_ok($$INSERT INTO tap_drop_table_01_base.tags (id, label) VALUES (3, 'blue')$$,
                'the old version still inserts into the dropped table');
SELECT lives_ok($$UPDATE tap_drop_table_01_base.tags SET label = 'crimson' WHERE id = 1$$,
                'the old version still updates the dropped table');
SELECT throws_ok($$INSERT INTO tap_drop_table_01_base.tags (id, label) VALUES (4, 'blue')$$,
                 '23505', NULL, 'the dropped table keeps its unique constraint while the old version writes');
SELECT results_eq($$SELECT id, label, weight FROM tap_drop_table_01_base.tags ORDER BY id$$,
                  $$VALUES (1, 'crimson', 1), (2, 'green', 1), (3, 'blue', 1)$$,
                  'old-version writes are visible through the old version (default applied)');
SELECT is(pgroll.read_schema('tap_drop_table') -> 'tables' ? 'tags', false,
          'read_schema does not list the dropped table');
SELECT is(pgroll.read_schema('tap_drop_table')::text LIKE '%\_pgroll\_%', false,
          'read_schema does not mention _pgroll_del_tags');
SELECT is((SELECT status FROM pgroll.status('tap_drop_table')), 'In progress', 'status is In progress');

-- ---------------------------------------------------------------------
-- 02_drop_tags: rollback
-- ---------------------------------------------------------------------
SELECT is(pg_temp.rollback(), '02_drop_tags', 'rollback 02_drop_tags');
SELECT has_table('tap_drop_table', 'tags', 'rollback renames the table back');
SELECT hasnt_table('tap_drop_table', '_pgroll_del_tags', 'no _pgroll_del_tags after rollback');
SELECT hasnt_schema('tap_drop_table_02_drop_tags', 'rollback drops the new version schema');
SELECT results_eq($$SELECT id, label FROM tap_drop_table.tags ORDER BY id$$,
                  $$VALUES (1, 'crimson'), (2, 'green'), (3, 'blue')$$,
                  'rollback keeps the rows, including those the old version wrote meanwhile');
SELECT results_eq($$SELECT id, label FROM tap_drop_table_01_base.tags ORDER BY id$$,
                  $$VALUES (1, 'crimson'), (2, 'green'), (3, 'blue')$$,
                  'the old version view still works after rollback');
SELECT is(pg_temp.snapshot('tap_drop_table'), (SELECT s FROM snap_before),
          'after rollback the schema is exactly as before start');
SELECT is(pg_temp.pgroll_leftovers('tap_drop_table'), '', 'no _pgroll_ objects after rollback');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_drop_table' AND name = '02_drop_tags'),
          0, 'rollback removes the history row');

-- ---------------------------------------------------------------------
-- 02_drop_tags: start again and complete
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_drop_tags'), 'tap_drop_table_02_drop_tags', 'start 02_drop_tags again');
SELECT has_table('tap_drop_table', '_pgroll_del_tags', 'renamed again at the second start');
SELECT is(pg_temp.complete(), '02_drop_tags', 'complete 02_drop_tags');
SELECT hasnt_table('tap_drop_table', 'tags', 'the table is gone after complete');
SELECT hasnt_table('tap_drop_table', '_pgroll_del_tags', '_pgroll_del_tags is dropped at complete');
SELECT ok(pg_temp.is_retired('tap_drop_table_01_base'), 'complete retires the previous version schema');
SELECT hasnt_view('tap_drop_table_02_drop_tags', 'tags', 'no view for the dropped table after complete');
SELECT is(pg_temp.cols('tap_drop_table_02_drop_tags.books'), ARRAY['id', 'author_id', 'title']::name[],
          'the other tables keep their views');
SELECT is(pg_temp.pgroll_leftovers('tap_drop_table'), '', 'no _pgroll_ objects after complete');
SELECT is((SELECT count(*)::int FROM pg_class WHERE relnamespace = 'tap_drop_table'::regnamespace
             AND relname LIKE 'tags%'), 0, 'the dropped table''s indexes are gone too');

-- ---------------------------------------------------------------------
-- Refusals
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap_before_bad AS SELECT pg_temp.snapshot('tap_drop_table') AS s;
SELECT is(pg_temp.start_error('bad_referenced'), '2BP01',
          'dropping a table another table references by FK is refused');
SELECT is(pg_temp.start_error('bad_missing'), '42P01', 'dropping a missing table is refused');
SELECT is(pg_temp.start_error('bad_twice'), '42P01', 'dropping the same table twice in one migration is refused');
SELECT is(pg_temp.start_error('bad_dropped_then_renamed'), '42P01',
          'renaming a table dropped earlier in the migration is refused');
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error('tap_drop_table', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error_undone('tap_drop_table', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    'validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot('tap_drop_table'), (SELECT s FROM snap_before_bad),
          'refused migrations change nothing');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_drop_table' AND name LIKE 'bad%'),
          0, 'refused migrations leave no history row');

-- A table referenced from another schema cannot be dropped at complete
-- (DROP TABLE without CASCADE), so start must refuse it up front.
CREATE TABLE tap_dt_other.reviews (book_id integer REFERENCES tap_drop_table.books (id));
SELECT is(pg_temp.start_error('bad_cross_schema_ref'), '2BP01',
          'dropping a table referenced by an FK from another schema is refused at start');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_drop_table' AND name = 'bad_cross_schema_ref'),
          0, 'the refused cross-schema drop leaves no history row');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;
DROP TABLE tap_dt_other.reviews;

-- the same for a view of the user's on the table: complete could not drop
-- the table (2BP01), so start must refuse
CREATE VIEW tap_drop_table.book_titles AS SELECT title FROM tap_drop_table.books;
SELECT is(pg_temp.start_error('bad_view_dependent'), '2BP01',
          'dropping a table a user view depends on is refused at start');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_drop_table' AND name = 'bad_view_dependent'),
          0, 'the refused drop of a table a view uses leaves no history row');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;
DROP VIEW tap_drop_table.book_titles;

-- ---------------------------------------------------------------------
-- 025_recreate_books: drop a table and create one with the same name
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap_before_025 AS SELECT pg_temp.snapshot('tap_drop_table') AS s;
SELECT is(pg_temp.start('025_recreate_books'), 'tap_drop_table_025_recreate_books',
          'start dropping books and creating a new books');
SELECT has_table('tap_drop_table', '_pgroll_del_books', 'the old books is renamed away');
SELECT is(pg_temp.cols('tap_drop_table.books'), ARRAY['id', 'isbn']::name[], 'books is the new table');
SELECT is(pg_temp.cols('tap_drop_table_02_drop_tags.books'), ARRAY['id', 'author_id', 'title']::name[],
          'the old version still sees the old books');
SELECT is(pg_temp.cols('tap_drop_table_025_recreate_books.books'), ARRAY['id', 'isbn']::name[],
          'the new version sees the new books');
SELECT lives_ok($$INSERT INTO tap_drop_table_025_recreate_books.books VALUES (1, '978-3');
                  INSERT INTO tap_drop_table_02_drop_tags.books VALUES (12, 1, 'Third')$$,
                'each version writes its own books table');
SELECT results_eq($$SELECT id, title FROM tap_drop_table_02_drop_tags.books ORDER BY id$$,
                  $$VALUES (10, 'First'), (11, 'Second'), (12, 'Third')$$,
                  'the old version reads the old rows');
SELECT results_eq($$SELECT id, isbn FROM tap_drop_table_025_recreate_books.books$$,
                  $$VALUES (1, '978-3')$$, 'the new version reads the new rows');
SELECT is(pg_temp.rollback(), '025_recreate_books', 'rollback 025_recreate_books');
SELECT is(pg_temp.cols('tap_drop_table.books'), ARRAY['id', 'author_id', 'title']::name[],
          'rollback puts the old books back under its name');
SELECT is(pg_temp.snapshot('tap_drop_table'), (SELECT s FROM snap_before_025),
          'after rollback of 025_recreate_books the schema is exactly as before');
SELECT results_eq($$SELECT count(*)::int FROM tap_drop_table.books$$, $$VALUES (3)$$,
                  'the old books keeps the rows, including the one written during the migration');
SELECT is(pg_temp.start('025_recreate_books'), 'tap_drop_table_025_recreate_books',
          'start 025_recreate_books again');
SELECT is(pg_temp.complete(), '025_recreate_books', 'complete 025_recreate_books');
SELECT is(pg_temp.cols('tap_drop_table.books'), ARRAY['id', 'isbn']::name[], 'books is the new table after complete');
SELECT lives_ok($$INSERT INTO tap_drop_table_025_recreate_books.books VALUES (2, '978-4')$$,
                'insert into the new books after complete');
SELECT hasnt_table('tap_drop_table', '_pgroll_del_books', 'the old books is dropped at complete');
SELECT is(pg_temp.pgroll_leftovers('tap_drop_table'), '', 'no _pgroll_ objects after complete of 025');

-- ---------------------------------------------------------------------
-- 03: a referencing and its referenced table dropped together
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('03_drop_books_authors'), 'tap_drop_table_03_drop_books_authors',
          'dropping books then authors in one migration is accepted');
SELECT results_eq($$SELECT isbn FROM tap_drop_table_025_recreate_books.books ORDER BY id$$,
                  $$VALUES ('978-4')$$, 'the old version still reads books');
SELECT is(pg_temp.cols('tap_drop_table_03_drop_books_authors.books'), NULL::name[],
          'the new version has no books view');
SELECT is(pg_temp.complete(), '03_drop_books_authors', 'complete drops both tables');
SELECT is((SELECT count(*)::int FROM pg_class WHERE relnamespace = 'tap_drop_table'::regnamespace
             AND relkind = 'r'), 0, 'no table is left in the schema');
SELECT has_schema('tap_drop_table_03_drop_books_authors', 'the (empty) version schema exists');

SELECT * FROM finish(true);
ROLLBACK;
