-- operations: what a DBA meets besides migrations
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA op;
CREATE TABLE op.t (id int PRIMARY KEY, v int);
-- in a read-only transaction start, complete and rollback fail at once,
-- saying why (25006); validate works there
BEGIN READ ONLY;
SELECT pgroll.start('{"operations": [{"rename_column": {"table": "t", "from": "v", "to": "w"}}]}', '01_w', 'op');
:e
ROLLBACK;
BEGIN READ ONLY;
SELECT pgroll.complete('op');
:e
ROLLBACK;
BEGIN READ ONLY;
SELECT pgroll.rollback('op');
:e
ROLLBACK;
SET default_transaction_read_only = on;
SELECT pgroll.start('{"operations": [{"rename_column": {"table": "t", "from": "v", "to": "w"}}]}', '01_w', 'op');
:e
SELECT pgroll.validate('{"operations": [{"rename_column": {"table": "t", "from": "v", "to": "w"}}]}', 'op');
RESET default_transaction_read_only;
SELECT count(*) AS migrations FROM pgroll.migrations WHERE schema = 'op';
-- the launcher is named in pg_stat_activity
SELECT backend_type, application_name FROM pg_stat_activity WHERE backend_type = 'pgroll launcher';
