-- multi_ops: several operations in one migration see each other's effects
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA mo;
CREATE TABLE mo.users (id int PRIMARY KEY, name text, email text);
INSERT INTO mo.users VALUES (1, 'ann', 'ann@example.com');
CREATE FUNCTION pg_temp.view_columns(v regclass) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(attname, ', ' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = v AND attnum > 0 AND NOT attisdropped
$$;

-- create a table, then rename a column of it and rename the table
SELECT pgroll.start('{"operations": [
  {"create_table": {"name": "posts", "columns": [
     {"name": "id", "type": "serial", "pk": true},
     {"name": "title", "type": "text"},
     {"name": "user_id", "type": "int", "nullable": true,
      "references": {"name": "posts_user_fk", "table": "users", "column": "id"}}]}},
  {"rename_column": {"table": "posts", "from": "title", "to": "headline"}},
  {"rename_table": {"from": "posts", "to": "articles"}}]}', '01_multi', 'mo');
SELECT pg_temp.view_columns('mo_01_multi.articles');
INSERT INTO mo_01_multi.articles (headline, user_id) VALUES ('hello', 1);
SELECT * FROM mo_01_multi.articles;
SELECT pgroll.rollback('mo');
SELECT count(*) FROM pg_class WHERE relnamespace = 'mo'::regnamespace AND relname IN ('posts', 'articles');
SELECT pgroll.start('{"operations": [
  {"create_table": {"name": "posts", "columns": [
     {"name": "id", "type": "serial", "pk": true},
     {"name": "title", "type": "text"},
     {"name": "user_id", "type": "int", "nullable": true,
      "references": {"name": "posts_user_fk", "table": "users", "column": "id"}}]}},
  {"rename_column": {"table": "posts", "from": "title", "to": "headline"}},
  {"rename_table": {"from": "posts", "to": "articles"}}]}', '01_multi', 'mo');
SELECT pgroll.complete('mo');
\d mo.articles

-- rename a table and a column of it, then drop another column of it
SELECT pgroll.start('{"operations": [
  {"rename_table": {"from": "users", "to": "members"}},
  {"rename_column": {"table": "members", "from": "name", "to": "full_name"}},
  {"drop_column": {"table": "members", "column": "email"}}]}', '02_members', 'mo');
SELECT pg_temp.view_columns('mo_01_multi.users'), pg_temp.view_columns('mo_02_members.members');
SELECT * FROM mo_02_members.members;
SELECT pgroll.complete('mo');
\d mo.members

-- a column renamed twice, and the table renamed back and forth
SELECT pgroll.start('{"operations": [
  {"rename_column": {"table": "members", "from": "full_name", "to": "n1"}},
  {"rename_column": {"table": "members", "from": "n1", "to": "n2"}},
  {"rename_table": {"from": "members", "to": "tmp"}},
  {"rename_table": {"from": "tmp", "to": "people"}}]}', '03_twice', 'mo');
SELECT pg_temp.view_columns('mo_03_twice.people');
SELECT pgroll.complete('mo');
SELECT pg_temp.view_columns('mo.people');

-- drop a table and create a new one with the same name
SELECT pgroll.start('{"operations": [
  {"drop_table": {"name": "articles"}},
  {"create_table": {"name": "articles", "columns": [{"name": "slug", "type": "text", "pk": true}]}}]}',
  '04_recreate', 'mo');
SELECT pg_temp.view_columns('mo_03_twice.articles'), pg_temp.view_columns('mo_04_recreate.articles');
SELECT count(*) FROM mo_03_twice.articles;
SELECT pgroll.rollback('mo');
SELECT relname FROM pg_class WHERE relnamespace = 'mo'::regnamespace AND relkind = 'r' ORDER BY 1;
SELECT pgroll.start('{"operations": [
  {"drop_table": {"name": "articles"}},
  {"create_table": {"name": "articles", "columns": [{"name": "slug", "type": "text", "pk": true}]}}]}',
  '04_recreate', 'mo');
SELECT pgroll.complete('mo');
SELECT relname FROM pg_class WHERE relnamespace = 'mo'::regnamespace AND relkind = 'r' ORDER BY 1;

-- rename a table, then drop it under its new name
SELECT pgroll.start('{"operations": [
  {"rename_table": {"from": "articles", "to": "old_articles"}},
  {"drop_table": {"name": "old_articles"}}]}', '05_rename_drop', 'mo');
SELECT pgroll.complete('mo');
SELECT relname FROM pg_class WHERE relnamespace = 'mo'::regnamespace AND relkind = 'r' ORDER BY 1;

-- later operations cannot use what earlier ones removed
SELECT pgroll.start('{"operations": [
  {"drop_table": {"name": "people"}},
  {"rename_table": {"from": "people", "to": "x"}}]}', '06_bad', 'mo');
:e
SELECT pgroll.start('{"operations": [
  {"rename_column": {"table": "people", "from": "n2", "to": "n3"}},
  {"drop_column": {"table": "people", "column": "n2"}}]}', '06_bad', 'mo');
:e
SELECT pgroll.start('{"operations": [
  {"drop_table": {"name": "people"}},
  {"drop_table": {"name": "people"}}]}', '06_bad', 'mo');
:e

SET client_min_messages = warning;
DROP SCHEMA mo CASCADE;
DO $$ DECLARE s text; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mo\_%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP; END $$;
DELETE FROM pgroll.migrations WHERE schema = 'mo';
