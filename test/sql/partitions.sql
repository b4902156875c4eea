-- partitions: migrations of partitioned tables, end to end; no ATTACH or
-- DETACH PARTITION, nor DROP TABLE of a partition, while a migration
-- changes the table
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA pt;
CREATE TABLE pt.events (id bigint NOT NULL, at date NOT NULL, kind text NOT NULL, n int)
    PARTITION BY RANGE (at);
CREATE TABLE pt.events_2025 PARTITION OF pt.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
-- a partition that is partitioned itself
CREATE TABLE pt.events_2026 PARTITION OF pt.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
    PARTITION BY LIST (kind);
CREATE TABLE pt.events_2026_a PARTITION OF pt.events_2026 FOR VALUES IN ('a');
CREATE TABLE pt.events_2026_other PARTITION OF pt.events_2026 DEFAULT;
CREATE TABLE pt.events_default PARTITION OF pt.events DEFAULT;
INSERT INTO pt.events
SELECT g, date '2025-01-01' + (g % 900), CASE WHEN g % 3 = 0 THEN 'a' ELSE 'b' END, g
FROM generate_series(1, 3000) g;
CREATE TEMP VIEW part_indexes AS
SELECT c.relname AS partition, i.relname AS index, x.indisvalid AS valid,
       (SELECT p.relname FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent
        WHERE h.inhrelid = i.oid) AS attached_to
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
WHERE c.relnamespace = 'pt'::regnamespace AND i.relname LIKE 'events_n%'
ORDER BY 1, 2;

-- create_index: the parent's index ON ONLY, each partition's built
-- concurrently by the worker and attached
SELECT pgroll.start('{"operations": [{"create_index": {"table": "events", "name": "events_n",
    "columns": ["n"]}}]}', '01_index', 'pt');
CALL pgroll.wait('pt');
SELECT * FROM part_indexes;
SELECT pgroll.complete('pt');
EXPLAIN (COSTS OFF) SELECT * FROM pt.events WHERE n = 42;

-- a unique index must hold the partition key (PostgreSQL's rule), said at start
SELECT pgroll.start('{"operations": [{"create_index": {"table": "events", "name": "events_n_uniq",
    "columns": ["n"], "unique": true}}]}', '02_unique', 'pt');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"table": "events", "name": "events_n_at",
    "columns": ["n", "at", "kind"], "unique": true}}]}', '02_unique', 'pt');
CALL pgroll.wait('pt');
SELECT * FROM part_indexes WHERE index LIKE 'events_n_at%';
SELECT pgroll.complete('pt');

-- rollback right after start: nothing of the index is left on any partition
SELECT pgroll.start('{"operations": [{"create_index": {"table": "events", "name": "events_n_kind",
    "columns": ["n", "kind"]}}]}', '03_rolled_back', 'pt');
SELECT pgroll.rollback('pt');
CALL pgroll.wait('pt');
SELECT count(*) AS left_over FROM pg_class WHERE relname LIKE 'events_n_kind%';
-- and after the build
SELECT pgroll.start('{"operations": [{"create_index": {"table": "events", "name": "events_n_kind",
    "columns": ["n", "kind"]}}]}', '03_rolled_back', 'pt');
CALL pgroll.wait('pt');
SELECT pgroll.rollback('pt');
SELECT count(*) AS left_over FROM pg_class WHERE relname LIKE 'events_n_kind%';

-- a partition key column cannot change type or go (complete could not drop it)
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "events", "column": "at",
    "type": "timestamp", "up": "at", "down": "at::date"}}]}', '04_key', 'pt');
:e
SELECT pgroll.start('{"operations": [{"drop_column": {"table": "events", "column": "kind"}}]}', '04_key', 'pt');
:e

-- a partition in another schema is refused at start
CREATE SCHEMA pt_elsewhere;
CREATE TABLE pt.logs (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE pt_elsewhere.logs_2025 PARTITION OF pt.logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
SELECT pgroll.start('{"operations": [{"create_index": {"table": "logs", "name": "logs_id",
    "columns": ["id"]}}]}', '04_logs', 'pt');
:e

-- a backfilled column and a rewritten one, through every partition
SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "events", "up": "n * 2",
                    "column": {"name": "twice", "type": "bigint", "nullable": false}}},
    {"alter_column": {"table": "events", "column": "n", "type": "bigint",
                      "up": "n", "down": "n"}}]}', '04_twice', 'pt');
INSERT INTO pt.events (id, at, kind, n) VALUES (5000, '2026-06-01', 'a', 7);
CALL pgroll.wait('pt');
SELECT count(*) FILTER (WHERE twice = n * 2) AS right, count(*) AS rows FROM pt_04_twice.events;
-- partitions are not attached or detached while a migration changes the table
CREATE TABLE pt.events_2027 (LIKE pt.events);
ALTER TABLE pt.events ATTACH PARTITION pt.events_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
:e
ALTER TABLE pt.events DETACH PARTITION pt.events_default;
:e
ALTER TABLE pt.events_2026 DETACH PARTITION pt.events_2026_other;
:e
-- named as the session's search_path finds them
SET search_path = pt;
ALTER TABLE events DETACH PARTITION events_default;
:e
RESET search_path;
-- nor dropped (its index builds are queued)
DROP TABLE pt.events_2026_other;
:e
DROP TABLE pt.events_2027, pt.events_2026_a;
:e
SELECT to_regclass('pt.events_2027') IS NOT NULL AS kept;
SELECT pgroll.complete('pt');
-- afterwards they are, and a detached partition has nothing of pgroll
ALTER TABLE pt.events DETACH PARTITION pt.events_default;
SELECT count(*) AS pgroll_things
FROM pg_attribute WHERE attrelid = 'pt.events_default'::regclass AND attname LIKE '\_pgroll%' AND NOT attisdropped;
SELECT count(*) AS pgroll_triggers FROM pg_trigger WHERE tgrelid = 'pt.events_default'::regclass;
ALTER TABLE pt.events ATTACH PARTITION pt.events_default DEFAULT;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'pt.events_2026_a'::regclass AND attname = 'n';
SELECT * FROM part_indexes WHERE index = 'events_n' OR attached_to = 'events_n';

-- what a partition defines itself on a rewritten column is not copied:
-- refused at start, each named, rather than lost at complete
CREATE TABLE pt.ref (q int PRIMARY KEY);
INSERT INTO pt.ref VALUES (1);
CREATE TABLE pt.m (id int, k int NOT NULL, qty int) PARTITION BY RANGE (k);
CREATE TABLE pt.m1 PARTITION OF pt.m FOR VALUES FROM (0) TO (10);
CREATE TABLE pt.m2 PARTITION OF pt.m FOR VALUES FROM (10) TO (20);
INSERT INTO pt.m VALUES (1, 1, 1), (2, 12, 1);
ALTER TABLE pt.m1 ALTER qty SET DEFAULT 42, ALTER qty SET NOT NULL;
ALTER TABLE pt.m1 ADD CONSTRAINT m1_qty_small CHECK (qty < 1000),
    ADD CONSTRAINT m1_qty_ref FOREIGN KEY (qty) REFERENCES pt.ref;
CREATE INDEX m2_local_qty ON pt.m2 (qty);
COMMENT ON COLUMN pt.m2.qty IS 'the quantity';
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "m", "column": "qty",
    "type": "bigint", "up": "qty", "down": "qty::int"}}]}', '09_local', 'pt');
:e
SELECT count(*) AS leftovers FROM pg_attribute
WHERE attrelid IN ('pt.m'::regclass, 'pt.m1'::regclass) AND attname LIKE '\_pgroll%' AND NOT attisdropped;
-- defined on the partitioned table instead, they go through
ALTER TABLE pt.m1 ALTER qty DROP DEFAULT, ALTER qty DROP NOT NULL,
    DROP CONSTRAINT m1_qty_small, DROP CONSTRAINT m1_qty_ref;
DROP INDEX pt.m2_local_qty;
COMMENT ON COLUMN pt.m2.qty IS NULL;
ALTER TABLE pt.m ADD CONSTRAINT m_qty_small CHECK (qty < 1000);
-- an index of the partitioned table: its partitions' indexes keep their names
CREATE INDEX m_qty_idx ON pt.m (qty);
SELECT c.relname AS partition, i.relname AS index FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
WHERE c.oid IN ('pt.m'::regclass, 'pt.m1'::regclass, 'pt.m2'::regclass) ORDER BY 1, 2;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "m", "column": "qty",
    "type": "bigint", "up": "qty", "down": "qty::int"}}]}', '09_local', 'pt');
CALL pgroll.wait('pt');
SELECT pgroll.complete('pt');
SELECT c.relname AS partition, i.relname AS index FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
WHERE c.oid IN ('pt.m'::regclass, 'pt.m1'::regclass, 'pt.m2'::regclass) ORDER BY 1, 2;
SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid IN ('pt.m'::regclass, 'pt.m1'::regclass, 'pt.m2'::regclass) AND contype = 'c' ORDER BY 1, 2;
INSERT INTO pt.m VALUES (3, 3, 5000);
:e

-- a partition's index cannot be dropped alone; a primary key of a
-- partitioned table over a rewritten column is refused with its path
SELECT pgroll.start('{"operations": [{"drop_index": {"name": "m1_qty_idx"}}]}', '10_drop', 'pt');
:e
CREATE TABLE pt.keyed (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k);
CREATE TABLE pt.keyed_1 PARTITION OF pt.keyed FOR VALUES IN (1);
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "keyed", "column": "id",
    "type": "bigint", "up": "id", "down": "id::int"}}]}', '10_keyed', 'pt');
:e
-- the partitioned table's own index is dropped, with its partitions' indexes
SELECT pgroll.start('{"operations": [{"drop_index": {"name": "m_qty_idx"}}]}', '10_drop', 'pt');
SELECT pgroll.complete('pt');
SELECT count(*) AS qty_indexes FROM pg_class WHERE relname IN ('m_qty_idx', 'm1_qty_idx', 'm2_qty_idx');

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS pt, pt_01_index, pt_02_unique, pt_04_twice, pt_09_local, pt_10_drop, pt_elsewhere CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'pt';
