-- long_names: columns, constraints and indexes whose names differ only past
-- the point where pgroll's prefixes make them too long are still told apart
-- (the internal name is cut and ends with a hash of the whole)
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA ln;
CREATE TABLE ln.t (
    id int PRIMARY KEY,
    "measurement_value_recorded_by_the_sensor_in_millimetres_aa_1" int NOT NULL,
    "measurement_value_recorded_by_the_sensor_in_millimetres_aa_2" int NOT NULL,
    CONSTRAINT "measurement_values_must_be_positive_numbers_checked_aaaaaaa_1"
        CHECK ("measurement_value_recorded_by_the_sensor_in_millimetres_aa_1" > 0),
    CONSTRAINT "measurement_values_must_be_positive_numbers_checked_aaaaaaa_2"
        CHECK ("measurement_value_recorded_by_the_sensor_in_millimetres_aa_2" > 0));
CREATE INDEX "index_on_the_measurement_value_recorded_by_the_sensor_aaaaaa_1"
    ON ln.t ("measurement_value_recorded_by_the_sensor_in_millimetres_aa_1");
CREATE INDEX "index_on_the_measurement_value_recorded_by_the_sensor_aaaaaa_2"
    ON ln.t ("measurement_value_recorded_by_the_sensor_in_millimetres_aa_2");
INSERT INTO ln.t SELECT g, g, g * 10 FROM generate_series(1, 100) g;

SELECT pgroll.start('{"operations": [
  {"alter_column": {"table": "t", "column": "measurement_value_recorded_by_the_sensor_in_millimetres_aa_1",
     "type": "bigint", "up": "measurement_value_recorded_by_the_sensor_in_millimetres_aa_1 * 1000",
     "down": "(measurement_value_recorded_by_the_sensor_in_millimetres_aa_1 / 1000)::int"}},
  {"alter_column": {"table": "t", "column": "measurement_value_recorded_by_the_sensor_in_millimetres_aa_2",
     "type": "bigint", "up": "measurement_value_recorded_by_the_sensor_in_millimetres_aa_2 * 1000",
     "down": "(measurement_value_recorded_by_the_sensor_in_millimetres_aa_2 / 1000)::int"}}]}',
  '02_micro', 'ln');
CALL pgroll.wait('ln');
-- two copies, two names, each at most 63 bytes
SELECT count(DISTINCT attname) AS copies, max(octet_length(attname)) AS longest
  FROM pg_attribute WHERE attrelid = 'ln.t'::regclass AND attname LIKE '\_pgroll\_new\_%';
SELECT count(DISTINCT conname) AS copied_checks FROM pg_constraint
  WHERE conrelid = 'ln.t'::regclass AND conname LIKE '\_pgroll\_dup\_%';
SELECT count(DISTINCT c.relname) AS copied_indexes FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  WHERE i.indrelid = 'ln.t'::regclass AND c.relname LIKE '\_pgroll\_dup\_%';
-- both versions see their values
SELECT "measurement_value_recorded_by_the_sensor_in_millimetres_aa_1" AS v1,
       "measurement_value_recorded_by_the_sensor_in_millimetres_aa_2" AS v2
  FROM ln_02_micro.t WHERE id = 7;
SELECT pgroll.complete('ln');
-- every name is the original again, the index columns included
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
  WHERE attrelid = 'ln.t'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
  WHERE conrelid = 'ln.t'::regclass AND contype = 'c' ORDER BY conname;
SELECT c.relname AS index, a.attname FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_attribute a ON a.attrelid = i.indexrelid
  WHERE i.indrelid = 'ln.t'::regclass ORDER BY 1, 2;
SELECT "measurement_value_recorded_by_the_sensor_in_millimetres_aa_1" AS v1,
       "measurement_value_recorded_by_the_sensor_in_millimetres_aa_2" AS v2
  FROM ln.t WHERE id = 7;

-- a table whose name is too long for pgroll's "_pgroll_del_" prefix
CREATE TABLE ln."a_table_with_a_name_long_enough_to_be_cut_by_pgroll_prefix_1" (id int);
CREATE TABLE ln."a_table_with_a_name_long_enough_to_be_cut_by_pgroll_prefix_2" (id int);
SELECT pgroll.start('{"operations": [
  {"drop_table": {"name": "a_table_with_a_name_long_enough_to_be_cut_by_pgroll_prefix_1"}},
  {"drop_table": {"name": "a_table_with_a_name_long_enough_to_be_cut_by_pgroll_prefix_2"}}]}',
  '03_drop', 'ln');
SELECT count(DISTINCT relname) AS renamed FROM pg_class
  WHERE relnamespace = 'ln'::regnamespace AND relname LIKE '\_pgroll\_del\_%';
SELECT pgroll.rollback('ln');
SELECT relname FROM pg_class WHERE relnamespace = 'ln'::regnamespace AND relkind = 'r' ORDER BY 1;
