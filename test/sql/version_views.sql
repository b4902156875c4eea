-- version_views: what each version schema shows
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA vv;
CREATE FUNCTION pg_temp.view_columns(v regclass) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = v AND attnum > 0 AND NOT attisdropped
$$;

-- tables made outside pgroll are part of the schema too
CREATE TABLE vv.people (
  id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  zeta text DEFAULT 'z',
  alpha int NOT NULL DEFAULT 42,
  serialno serial,
  doubled int GENERATED ALWAYS AS (alpha * 2) STORED,
  _pgroll_internal int
);
CREATE TABLE vv.parted (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE vv.parted_1 PARTITION OF vv.parted FOR VALUES FROM (0) TO (100);
INSERT INTO vv.people (zeta, alpha) VALUES ('a', 1);

SELECT pgroll.start('{"operations": [{"rename_column": {"table": "people", "from": "zeta", "to": "omega"}}]}',
  '01_first', 'vv');
-- one view per table, partitions are not tables of their own
SELECT c.relname, c.relkind, c.reloptions FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'vv_01_first' ORDER BY 1;
-- columns in table order, under the new names, _pgroll_* left out
SELECT pg_temp.view_columns('vv_01_first.people');
-- the view carries the column defaults (identity and generated columns have none)
SELECT attname, pg_get_expr(adbin, adrelid) FROM pg_attrdef d
  JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
  WHERE adrelid = 'vv_01_first.people'::regclass ORDER BY a.attnum;
INSERT INTO vv_01_first.people (omega) VALUES ('b');
SELECT id, omega, alpha, serialno, doubled FROM vv_01_first.people ORDER BY id;
SELECT pgroll.complete('vv');

-- with two versions live, each shows its own names
-- (a column a generated column depends on cannot be dropped)
SELECT pgroll.start('{"operations": [{"drop_column": {"table": "people", "column": "alpha"}}]}',
  '02_second', 'vv');
:e
SELECT pgroll.start('{"operations": [
  {"rename_table": {"from": "people", "to": "persons"}},
  {"drop_column": {"table": "persons", "column": "serialno"}}]}', '02_second', 'vv');
SELECT pg_temp.view_columns('vv_01_first.people');
SELECT pg_temp.view_columns('vv_02_second.persons');
SELECT count(*) FROM pg_class WHERE relname = 'people' AND relnamespace = 'vv_02_second'::regnamespace;
-- a row written through the new version is seen by the old one
INSERT INTO vv_02_second.persons (omega) VALUES ('c');
SELECT id, omega, alpha, serialno FROM vv_01_first.people ORDER BY id;
SELECT id, omega, alpha FROM vv_02_second.persons ORDER BY id;
-- the new version cannot see the dropped column
SELECT serialno FROM vv_02_second.persons;
:e
SELECT pgroll.complete('vv');
-- at most two live versions: the first one is retired (its views are
-- tombstones that raise an error naming the current version)
SELECT nspname, obj_description(oid, 'pg_namespace') FROM pg_namespace
  WHERE nspname LIKE 'vv\_%' ORDER BY 1;
SELECT pg_temp.view_columns('vv_02_second.persons');

-- views are security_invoker: privileges and row-level security are the
-- client's
CREATE ROLE vv_reader;
GRANT USAGE ON SCHEMA vv_02_second TO vv_reader;
GRANT SELECT ON vv_02_second.persons TO vv_reader;
SET ROLE vv_reader;
SELECT count(*) FROM vv_02_second.persons;
:e
RESET ROLE;
GRANT USAGE ON SCHEMA vv TO vv_reader;
GRANT SELECT ON vv.persons TO vv_reader;
ALTER TABLE vv.persons ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_b ON vv.persons TO vv_reader USING (omega = 'b');
SET ROLE vv_reader;
SELECT omega FROM vv_02_second.persons;
RESET ROLE;

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS vv, vv_01_first, vv_02_second CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'vv' AND parent IS NOT NULL;
DELETE FROM pgroll.migrations WHERE schema = 'vv';
DROP ROLE vv_reader;
