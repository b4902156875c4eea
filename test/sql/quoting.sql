-- quoting: schemas, tables, columns and constraints whose names need quotes
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Order Items" ("Id" int PRIMARY KEY, "Größe" text, "we""ird; name" int);
INSERT INTO "My Schema"."Order Items" VALUES (1, 'XL', 7);

SELECT pgroll.start('{"operations": [
  {"rename_column": {"table": "Order Items", "from": "Größe", "to": "Size Label"}},
  {"rename_table": {"from": "Order Items", "to": "Line-Items"}},
  {"create_table": {"name": "Kunden Tabelle", "comment": "it''s a table",
     "columns": [{"name": "Kunden Nr", "type": "int", "pk": true},
                 {"name": "Name \"quoted\"", "type": "text", "comment": "the customer''s name",
                  "check": {"name": "Name Check", "constraint": "length(\"Name \"\"quoted\"\"\") > 0"}},
                 {"name": "Item", "type": "int", "nullable": true,
                  "references": {"name": "FK Item", "table": "Line-Items", "column": "Id"}}]}}]}',
  'Ä 01', 'My Schema');
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'My Schema%' ORDER BY 1;
SELECT * FROM "My Schema_Ä 01"."Line-Items";
INSERT INTO "My Schema_Ä 01"."Kunden Tabelle" VALUES (1, 'Anna', 1);
SELECT * FROM "My Schema_Ä 01"."Kunden Tabelle";
INSERT INTO "My Schema_Ä 01"."Kunden Tabelle" VALUES (2, '', NULL);
:e
SELECT obj_description('"My Schema"."Kunden Tabelle"'::regclass, 'pg_class'),
       col_description('"My Schema"."Kunden Tabelle"'::regclass, 2);
SELECT pgroll.rollback('My Schema');
SELECT relname FROM pg_class WHERE relnamespace = '"My Schema"'::regnamespace AND relkind = 'r';
SELECT pgroll.start('{"operations": [
  {"rename_column": {"table": "Order Items", "from": "Größe", "to": "Size Label"}},
  {"rename_table": {"from": "Order Items", "to": "Line-Items"}}]}',
  'Ä 01', 'My Schema');
SELECT pgroll.complete('My Schema');
SELECT * FROM "My Schema"."Line-Items";
SELECT * FROM pgroll.status('My Schema');

-- a name with an embedded quote and semicolon is only ever an identifier
SELECT pgroll.start('{"operations": [
  {"rename_column": {"table": "Line-Items", "from": "we\"ird; name", "to": "x\"; DROP TABLE y; --"}}]}',
  '02', 'My Schema');
SELECT pgroll.complete('My Schema');
SELECT attname FROM pg_attribute WHERE attrelid = '"My Schema"."Line-Items"'::regclass AND attnum > 0 ORDER BY attnum;

SET client_min_messages = warning;
DROP SCHEMA "My Schema", "My Schema_02" CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'My Schema';
