-- constraint_kinds: constraints of a rewritten column keep their kind
-- through the migration; a key and its references change together; the
-- replica identity, CLUSTER ON and planner settings stay.  A deferrable
-- unique constraint stays deferrable on the column's copy once its index
-- is built (an old client's UPDATE that passes through duplicates within
-- a statement still works), and is deferrable after complete under its
-- name.
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA ck;
CREATE TABLE ck.queue (id int PRIMARY KEY, pos int,
    CONSTRAINT queue_pos_key UNIQUE (pos) DEFERRABLE INITIALLY IMMEDIATE,
    slot int,
    CONSTRAINT queue_slot_key UNIQUE (slot) DEFERRABLE INITIALLY DEFERRED);
INSERT INTO ck.queue SELECT g, g, g FROM generate_series(1, 100) g;
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "queue", "column": "pos", "type": "bigint", "up": "pos", "down": "pos::int"}},
    {"alter_column": {"table": "queue", "column": "slot", "type": "bigint", "up": "slot", "down": "slot::int"}}]}',
    '01_bigint', 'ck');
CALL pgroll.wait('ck');
SELECT conname, condeferrable, condeferred FROM pg_constraint
WHERE conrelid = 'ck.queue'::regclass AND contype = 'u' ORDER BY 1;
-- shifting every row: duplicates within the statement, none at its end
UPDATE ck.queue SET pos = pos + 1;
SET search_path = ck_01_bigint;
UPDATE queue SET pos = pos + 1, slot = slot + 1;
-- a real duplicate is still refused, through either version
INSERT INTO queue (id, pos, slot) VALUES (1000, 5, 1000);
:e
RESET search_path;
BEGIN;
INSERT INTO ck.queue (id, pos, slot) VALUES (1001, 1001, 5);
COMMIT;
:e
SELECT pgroll.complete('ck');
SELECT conname, condeferrable, condeferred, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'ck.queue'::regclass AND contype = 'u' ORDER BY 1;
UPDATE ck.queue SET pos = pos + 1;
SELECT min(pos), max(pos), min(slot), max(slot) FROM ck.queue;
-- rollback takes the copies' constraints away with them
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "queue", "column": "pos", "type": "numeric", "up": "pos", "down": "pos::bigint"}}]}',
    '02_numeric', 'ck');
CALL pgroll.wait('ck');
SELECT pgroll.rollback('ck');
SELECT conname FROM pg_constraint WHERE conrelid = 'ck.queue'::regclass ORDER BY 1;

-- a key and the foreign keys that reference it, int to bigint in one
-- migration (either order): one copy of each foreign key, copy to copy
CREATE TABLE ck.items (id int PRIMARY KEY, code int NOT NULL);
CREATE TABLE ck.orders (id int PRIMARY KEY, item_id int REFERENCES ck.items ON DELETE CASCADE);
CREATE TABLE ck.tree (id int PRIMARY KEY, parent int REFERENCES ck.tree);
INSERT INTO ck.items SELECT g, g FROM generate_series(1, 50) g;
INSERT INTO ck.orders SELECT g, 1 + g % 50 FROM generate_series(1, 100) g;
INSERT INTO ck.tree VALUES (1, NULL), (2, 1), (3, 2);
-- the replica identity and the CLUSTER ON mark are an index over the column,
-- planner settings are on it: the copy takes them all
CREATE UNIQUE INDEX items_code_key ON ck.items (code);
ALTER TABLE ck.items REPLICA IDENTITY USING INDEX items_code_key;
ALTER TABLE ck.items CLUSTER ON items_code_key;
ALTER TABLE ck.items ALTER COLUMN code SET STATISTICS 500, ALTER COLUMN code SET (n_distinct = -1);
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "orders", "column": "item_id", "type": "bigint", "up": "item_id", "down": "item_id::int"}},
    {"alter_column": {"table": "items", "column": "id", "type": "bigint", "up": "id", "down": "id::int"}},
    {"alter_column": {"table": "items", "column": "code", "type": "bigint", "up": "code", "down": "code::int"}},
    {"alter_column": {"table": "tree", "column": "id", "type": "bigint", "up": "id", "down": "id::int"}},
    {"alter_column": {"table": "tree", "column": "parent", "type": "bigint", "up": "parent", "down": "parent::int"}}]}',
    '03_keys', 'ck');
CALL pgroll.wait('ck');
SELECT description, state FROM pgroll.jobs WHERE schema = 'ck' AND migration = '03_keys' AND state <> 'done';
SELECT pgroll.complete('ck');
SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE connamespace = 'ck'::regnamespace AND contype IN ('f', 'p') ORDER BY 1, 2;
SELECT attrelid::regclass, attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid IN ('ck.items'::regclass, 'ck.orders'::regclass, 'ck.tree'::regclass)
  AND attnum > 0 AND NOT attisdropped ORDER BY 1, 2;
SELECT c.relreplident, i.relname AS replica_identity_index
FROM pg_class c LEFT JOIN pg_index x ON x.indrelid = c.oid AND x.indisreplident
LEFT JOIN pg_class i ON i.oid = x.indexrelid WHERE c.oid = 'ck.items'::regclass;
SELECT i.relname AS clustered_on FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = 'ck.items'::regclass AND x.indisclustered;
SELECT attstattarget, (SELECT option_value FROM pg_options_to_table(attoptions)
                      WHERE option_name = 'n_distinct') AS n_distinct
FROM pg_attribute WHERE attrelid = 'ck.items'::regclass AND attname = 'code';
-- the foreign keys hold, and cascade
INSERT INTO ck.orders VALUES (1000, 999);
:e
DELETE FROM ck.items WHERE id = 1;
SELECT count(*) AS orders_left FROM ck.orders;
INSERT INTO ck.tree VALUES (4, 99);
:e
-- an index or constraint made on the rewritten column while the migration
-- is active has no copy: complete refuses, naming it, rather than drop it;
-- a column's compression follows the copy
CREATE TABLE ck.notes (id int PRIMARY KEY, body text);
ALTER TABLE ck.notes ALTER COLUMN body SET COMPRESSION pglz;
INSERT INTO ck.notes SELECT g, 'note ' || g FROM generate_series(1, 20) g;
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "notes", "column": "body", "type": "varchar(100)", "up": "body", "down": "body"}}]}',
    '04_late_index', 'ck');
CREATE UNIQUE INDEX notes_body_key ON ck.notes (body);
CALL pgroll.wait('ck');
SELECT pgroll.complete('ck');
:e
DROP INDEX ck.notes_body_key;
SELECT pgroll.complete('ck');
SELECT attcompression, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'ck.notes'::regclass AND attname = 'body';
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS ck, ck_01_bigint, ck_03_keys, ck_04_late_index CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'ck';
