-- migrate: apply a list of migrations, the ones not yet applied, in order
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA mg;
\set list1 '[{"name": "01_t", "operations": [{"create_table": {"name": "t", "columns": [{"name": "id", "type": "int", "pk": true}, {"name": "a", "type": "text", "nullable": true}]}}]}, {"name": "02_b", "operations": [{"add_column": {"table": "t", "up": "upper(a)", "column": {"name": "b", "type": "text", "nullable": true}}}]}]'
\set list2 '[{"name": "01_t", "operations": [{"create_table": {"name": "t", "columns": [{"name": "id", "type": "int", "pk": true}, {"name": "a", "type": "text", "nullable": true}]}}]}, {"name": "02_b", "operations": [{"add_column": {"table": "t", "up": "upper(a)", "column": {"name": "b", "type": "text", "nullable": true}}}]}, {"name": "03_c", "operations": [{"rename_column": {"table": "t", "from": "b", "to": "c"}}]}]'
CALL pgroll.migrate(:'list1', 'mg');
SELECT name, parent, done FROM pgroll.migrations WHERE schema = 'mg' ORDER BY created_at;
-- nothing new: nothing happens
CALL pgroll.migrate(:'list1', 'mg');
SELECT count(*) FROM pgroll.migrations WHERE schema = 'mg';
-- one more, left active
CALL pgroll.migrate(:'list2', 'mg', complete_last => false);
SELECT name, done FROM pgroll.migrations WHERE schema = 'mg' ORDER BY created_at;
CALL pgroll.migrate(:'list2', 'mg');
:e
SELECT pgroll.complete('mg');
-- a list that does not match the history is refused
CALL pgroll.migrate('[{"name": "01_other", "operations": [{"drop_table": {"name": "t"}}]}]', 'mg');
:e
CALL pgroll.migrate('[{"operations": [{"drop_table": {"name": "t"}}]}]', 'mg');
:e
CALL pgroll.migrate('{}', 'mg');
:e
-- inside a transaction block it cannot commit
BEGIN;
CALL pgroll.migrate(jsonb_insert(:'list2', '{3}', '{"name": "04_d", "operations": [{"rename_column": {"table": "t", "from": "c", "to": "d"}}]}'), 'mg');
:e
ROLLBACK;
SELECT count(*) FROM pgroll.migrations WHERE schema = 'mg';
SELECT column_name FROM information_schema.columns
  WHERE table_schema = 'mg' AND table_name = 't' ORDER BY ordinal_position;

SET client_min_messages = warning;
DROP SCHEMA mg CASCADE;
DO $$ DECLARE s text; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mg\_%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP; END $$;
DELETE FROM pgroll.migrations WHERE schema = 'mg';
DELETE FROM pgroll.jobs WHERE schema = 'mg';
