-- constraint_kinds: constraints of a rewritten column keep their kind
-- through the migration.  A deferrable unique constraint stays deferrable
-- on the column's copy once its index is built (an old client's UPDATE
-- that passes through duplicates within a statement still works), and is
-- deferrable after complete under its name.
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
SET client_min_messages = warning;
DROP SCHEMA ck, ck_01_bigint CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'ck';
