-- pgroll_rules: what pgroll's operation tests expect, and the first
-- migration's old clients
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA pr;
CREATE TABLE pr.t (id int PRIMARY KEY, a int, b int NOT NULL);
INSERT INTO pr.t VALUES (1, NULL, 1), (2, 2, 2);

-- an alter_column that changes nothing is refused at start
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "t", "column": "a", "nullable": true, "down": "a"}}]}', '01_noop', 'pr');
:e
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "t", "column": "b", "nullable": false, "up": "b"}}]}', '01_noop', 'pr');
:e
-- with another change too, as in pgroll
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "t", "column": "b", "type": "bigint", "nullable": false, "up": "b", "down": "b"}}]}', '01_noop', 'pr');
:e
-- the same operation on a column an earlier operation changed is judged on that
SELECT pgroll.validate('{"operations": [
    {"alter_column": {"table": "t", "column": "a", "nullable": false, "up": "coalesce(a, 0)", "down": "a"}},
    {"alter_column": {"table": "t", "column": "a", "nullable": false, "up": "a", "down": "a"}}]}', 'pr');
:e
SELECT pgroll.validate('{"operations": [
    {"alter_column": {"table": "t", "column": "a", "nullable": false, "up": "coalesce(a, 0)", "down": "a"}},
    {"alter_column": {"table": "t", "column": "a", "nullable": true, "down": "a"}}]}', 'pr');
SELECT count(*) AS migrations FROM pgroll.migrations WHERE schema = 'pr';

-- create_table with no columns, as PostgreSQL allows
SELECT pgroll.start('{"operations": [{"create_table": {"name": "empty", "columns": []}}]}', '01_empty', 'pr');
SELECT count(*) AS rows FROM pr_01_empty.empty;
-- (a view without columns takes no INSERT: PostgreSQL's rule; the table does)
INSERT INTO pr.empty DEFAULT VALUES;
SELECT count(*) AS rows FROM pr_01_empty.empty;
SELECT pgroll.complete('pr');
SELECT count(*) AS rows FROM pr.empty;
-- the next complete retires that version, view without columns included
SELECT pgroll.start('{"operations": [{"rename_column": {"table": "t", "from": "a", "to": "aa"}}]}', '02_aa', 'pr');
SELECT pgroll.complete('pr');
SELECT count(*) FROM pr_01_empty.empty;
:e

-- drop_table in a schema's first migration: old clients use the base
-- schema's table by name, and keep it until complete
CREATE SCHEMA pf;
CREATE TABLE pf.gone (id int PRIMARY KEY, v text);
INSERT INTO pf.gone VALUES (1, 'one');
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "gone"}}]}', '01_drop', 'pf');
INSERT INTO pf.gone VALUES (2, 'two');
SELECT * FROM pf.gone ORDER BY id;
SELECT count(*) AS in_new_version FROM pg_class WHERE relname = 'gone'
   AND relnamespace = 'pf_01_drop'::regnamespace;
SELECT pgroll.rollback('pf');
SELECT * FROM pf.gone ORDER BY id;
-- so a new table cannot take its name in the same migration: said at start
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "gone"}},
    {"create_table": {"name": "gone", "columns": [{"name": "id", "type": "int", "pk": true}]}}]}',
    '01_drop', 'pf');
:e
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "gone"}}]}', '01_drop', 'pf');
SELECT count(*) FROM pf.gone;
SELECT pgroll.complete('pf');
SELECT to_regclass('pf.gone') AS dropped;
-- with an earlier version, the old clients use its view: the table is set aside
CREATE TABLE pf.later (id int PRIMARY KEY);
SELECT pgroll.start('{"operations": [{"create_index": {"table": "later", "name": "later_id", "columns": ["id"]}}]}', '02_index', 'pf');
CALL pgroll.wait('pf');
SELECT pgroll.complete('pf');
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "later"}}]}', '03_drop', 'pf');
SELECT count(*) FROM pf_02_index.later;
SELECT relname FROM pg_class WHERE relnamespace = 'pf'::regnamespace AND relkind = 'r' ORDER BY 1;
SELECT pgroll.complete('pf');

-- add serial columns (pgroll's test of that name): an insert through either
-- version draws one number per serial column
CREATE SCHEMA ps;
SELECT pgroll.start('{"operations": [{"create_table": {"name": "users", "columns": [
    {"name": "id", "type": "serial", "pk": true},
    {"name": "name", "type": "varchar(255)", "unique": true}]}}]}', '01_add_table', 'ps');
CALL pgroll.wait('ps');
SELECT pgroll.complete('ps');
SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "users", "column": {"name": "counter_smallserial", "type": "smallserial"}}},
    {"add_column": {"table": "users", "column": {"name": "counter_serial", "type": "serial"}}},
    {"add_column": {"table": "users", "column": {"name": "counter_bigserial", "type": "bigserial"}}}]}',
    '02_add_column', 'ps');
INSERT INTO ps_01_add_table.users (name) VALUES ('Alice');
INSERT INTO ps_02_add_column.users (name) VALUES ('Bob');
CALL pgroll.wait('ps');
SELECT * FROM ps_01_add_table.users ORDER BY id;
SELECT * FROM ps_02_add_column.users ORDER BY id;
SELECT pgroll.complete('ps');
INSERT INTO ps_02_add_column.users (name) VALUES ('Carl');
SELECT * FROM ps.users ORDER BY id;

-- a new-version insert that leaves a column out writes its default on both
-- sides (a rewritten column's default is converted; an added column's
-- default fills old rows and new ones)
CREATE SCHEMA pdf;
CREATE TABLE pdf.t (id int PRIMARY KEY, qty int NOT NULL DEFAULT 5, label text DEFAULT 'none');
INSERT INTO pdf.t (id) VALUES (1);
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "t", "column": "qty", "type": "bigint", "up": "qty", "down": "qty"}},
    {"add_column": {"table": "t", "column": {"name": "note", "type": "text", "default": "''n/a''", "nullable": true}}}]}',
    '01_defaults', 'pdf');
INSERT INTO pdf_01_defaults.t (id) VALUES (2);
INSERT INTO pdf.t (id) VALUES (3);
CALL pgroll.wait('pdf');
SELECT * FROM pdf_01_defaults.t ORDER BY id;
SELECT id, qty, label FROM pdf.t ORDER BY id;
SELECT pgroll.complete('pdf');
SELECT id, qty, label, note FROM pdf.t ORDER BY id;

-- a rewritten serial or identity column: an identity draws one number per
-- insert through either version, a serial one through the old version
-- (two through the new: its view keeps the default, as in pgroll); a new
-- writer's value is kept (GENERATED ALWAYS too, as with OVERRIDING SYSTEM
-- VALUE); complete gives the column its default or identity back
CREATE SCHEMA pser;
CREATE TABLE pser.t (id serial PRIMARY KEY, v int,
                     g int GENERATED ALWAYS AS IDENTITY,
                     d int GENERATED BY DEFAULT AS IDENTITY);
INSERT INTO pser.t (v) VALUES (1), (2);
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "t", "column": "id", "type": "bigint", "up": "id", "down": "id::int"}},
    {"alter_column": {"table": "t", "column": "g", "type": "bigint", "up": "g", "down": "g::int"}},
    {"alter_column": {"table": "t", "column": "d", "type": "bigint", "up": "d", "down": "d::int"}}]}',
    '01_bigint', 'pser');
INSERT INTO pser_01_bigint.t (v) VALUES (3) RETURNING *;
INSERT INTO pser.t (v) VALUES (4) RETURNING *;
INSERT INTO pser_01_bigint.t (v, id, g, d) VALUES (5, 500, 5000, 50) RETURNING *;
SELECT last_value AS id_last FROM pser.t_id_seq;
SELECT last_value AS g_last FROM pser.t_g_seq;
SELECT last_value AS d_last FROM pser.t_d_seq;
CALL pgroll.wait('pser');
SELECT pgroll.complete('pser');
SELECT attname, format_type(atttypid, atttypmod), attidentity,
       pg_get_expr(d.adbin, d.adrelid) AS default
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = 'pser.t'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY attname;
INSERT INTO pser.t (v) VALUES (6) RETURNING *;
SELECT * FROM pser.t ORDER BY v;

-- a serial and a column after it rewritten together: each keeps its own
-- (the sequence stays the serial's)
CREATE TABLE pser.s1 (id serial PRIMARY KEY, note text);
INSERT INTO pser.s1 (note) VALUES ('x');
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "s1", "column": "id", "type": "bigint", "up": "id", "down": "id::int"}},
    {"alter_column": {"table": "s1", "column": "note", "nullable": false, "up": "coalesce(note, ''-'')", "down": "note"}}]}',
    '02_two', 'pser');
CALL pgroll.wait('pser');
SELECT pgroll.complete('pser');
SELECT pg_get_serial_sequence('pser.s1', 'id') AS id_seq, pg_get_serial_sequence('pser.s1', 'note') AS note_seq;
-- the new version's view shows the serial's default again
SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
WHERE d.adrelid = 'pser_02_two.s1'::regclass;
-- an identity's sequence goes at complete (the column gets a new one):
-- what depends on it is refused at start; its grants go over to the new one
CREATE TABLE pser.s2 (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int);
INSERT INTO pser.s2 (v) VALUES (1);
CREATE VIEW pser.s2_position AS SELECT last_value FROM pser.s2_id_seq;
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "s2", "column": "id", "type": "bigint", "up": "id", "down": "id::int"}}]}',
    '03_identity', 'pser');
:e
DROP VIEW pser.s2_position;
GRANT USAGE, SELECT ON SEQUENCE pser.s2_id_seq TO PUBLIC;
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "s2", "column": "id", "type": "bigint", "up": "id", "down": "id::int"}}]}',
    '03_identity', 'pser');
INSERT INTO pser_03_identity.s2 (id, v) OVERRIDING SYSTEM VALUE VALUES (200, 2) RETURNING *;
CALL pgroll.wait('pser');
SELECT pgroll.complete('pser');
SELECT relacl FROM pg_class WHERE oid = pg_get_serial_sequence('pser.s2', 'id')::regclass;
INSERT INTO pser.s2 (v) VALUES (3) RETURNING *;
