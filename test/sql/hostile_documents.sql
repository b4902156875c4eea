-- hostile_documents: huge, deeply nested, injection-laden, conflicting and
-- otherwise hostile migration documents are refused with a SQLSTATE (never
-- an internal error, never a crash) and change nothing; legitimate but odd
-- documents (quotes, unicode in names) start and roll back cleanly.
SET client_min_messages = warning;
CREATE SCHEMA hostile;
CREATE TABLE hostile.t (id int PRIMARY KEY, a text, b int CHECK (b > 0), c int UNIQUE);
CREATE INDEX t_a_idx ON hostile.t (a);
CREATE TABLE hostile.u (id int PRIMARY KEY, t_id int REFERENCES hostile.t (id));
CREATE TABLE hostile.x (id int);
INSERT INTO hostile.t VALUES (1, 'one', 1, 1), (2, 'two', 2, 2);
INSERT INTO hostile.u VALUES (1, 1);
RESET client_min_messages;

CREATE FUNCTION pg_temp.doc_error(doc jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pgroll.validate(doc, 'hostile');
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.start_error(doc jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pgroll.start(doc, 'bad', 'hostile');
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- start, then rollback: 'ok' when both work
CREATE FUNCTION pg_temp.start_rollback(doc jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pgroll.start(doc, 'odd', 'hostile');
  PERFORM pgroll.rollback('hostile');
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- the catalog of schema hostile (names, types, defaults, constraints,
-- indexes, comments, data) and the list of schemas, as one hash
CREATE FUNCTION pg_temp.snapshot() RETURNS text LANGUAGE sql AS $$
  SELECT md5(concat_ws('|',
    (SELECT string_agg(c.relname || ':' || c.relkind::text || ':' || c.relreplident::text || ':' || coalesce(obj_description(c.oid), ''), ',' ORDER BY c.relname)
       FROM pg_class c WHERE c.relnamespace = 'hostile'::regnamespace),
    (SELECT string_agg(c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ',' ORDER BY c.relname, a.attnum)
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relnamespace = 'hostile'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(conrelid::regclass || '.' || conname || ':' || pg_get_constraintdef(oid), ',' ORDER BY conrelid::regclass::text, conname)
       FROM pg_constraint WHERE connamespace = 'hostile'::regnamespace),
    (SELECT string_agg(indexdef, ',' ORDER BY indexdef) FROM pg_indexes WHERE schemaname = 'hostile'),
    (SELECT string_agg(tgrelid::regclass || '.' || tgname, ',' ORDER BY tgrelid::regclass::text, tgname) FROM pg_trigger
      WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'hostile'::regnamespace)),
    (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace
      WHERE nspname !~ '^pg_(toast_)?temp_'),
    (SELECT string_agg(t::text, ',' ORDER BY id) FROM hostile.t t),
    (SELECT string_agg(u::text, ',' ORDER BY id) FROM hostile.u u)))
$$;
CREATE TEMP TABLE before AS SELECT pg_temp.snapshot() AS snap;

-- Huge documents: 10,000 operations, a 1 MB string in several places
SELECT pg_temp.doc_error(jsonb_build_object('operations',
  (SELECT jsonb_agg(jsonb_build_object('rename_column', jsonb_build_object('table', 't', 'from', 'a', 'to', 'a' || g))) FROM generate_series(1, 10000) g)));
SELECT pg_temp.doc_error(jsonb_build_object('operations',
  (SELECT jsonb_agg(jsonb_build_object('drop_index', jsonb_build_object('name', 'nope' || g))) FROM generate_series(1, 10000) g)));
SELECT pg_temp.doc_error(jsonb_build_object('operations',
  (SELECT jsonb_agg(jsonb_build_object('add_column', jsonb_build_object('table', 't', 'column', jsonb_build_object('name', 'n' || g, 'type', 'int', 'nullable', true)))) FROM generate_series(1, 10000) g)
  || '[{"drop_tabel": {"name": "t"}}]'::jsonb));
SELECT left(pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('drop_table', jsonb_build_object('name', repeat('a', 1048576)))))), 120);
-- (the parser's NOTICE that it truncates the 1 MB identifier is not shown)
SET client_min_messages = warning;
SELECT left(pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('add_column', jsonb_build_object('table', 't', 'column', jsonb_build_object('name', 'n', 'type', repeat('x', 1048576), 'nullable', true)))))), 120);
RESET client_min_messages;
SELECT left(pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('add_column', jsonb_build_object('table', 't', 'up', repeat('(', 1048576), 'column', jsonb_build_object('name', 'n', 'type', 'int')))))), 120);
SELECT left(pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('add_column', jsonb_build_object('table', 't', 'column', jsonb_build_object('name', 'n', 'type', 'int', 'nullable', true, 'default', repeat('1+', 524288) || '1')))))), 120);
-- a sql.up that does not parse is refused (by validate too)
SELECT left(pg_temp.start_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('sql', jsonb_build_object('up', repeat(' ', 1048576) || 'SELEC 1'))))), 120);
SELECT left(pg_temp.doc_error(jsonb_build_object('name', repeat('m', 1048576), 'operations', jsonb_build_array(jsonb_build_object('drop_table', jsonb_build_object('name', 't'))))), 120);
SELECT left(pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('create_table', jsonb_build_object('name', 'big', 'comment', repeat('c', 1048576), 'columns', '[{"name": "a", "type": "int"}]'::jsonb, 'bogus', 1))))), 120);
-- 2000 columns: over PostgreSQL's 1600, refused by start
SELECT left(pg_temp.start_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('create_table', jsonb_build_object('name', 'big', 'columns',
  (SELECT jsonb_agg(jsonb_build_object('name', 'c' || g, 'type', 'int')) FROM generate_series(1, 2000) g)))))), 120);

-- Deeply nested values where objects, strings or arrays are expected
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('drop_table',
  (SELECT string_agg('{"name": ', '') FROM generate_series(1, 1000)) )))) ;
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('drop_table', jsonb_build_object('name',
  (repeat('[', 5000) || repeat(']', 5000))::jsonb)))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', (repeat('[', 5000) || '{"drop_table": {"name": "t"}}' || repeat(']', 5000))::jsonb));
SELECT pg_temp.doc_error((repeat('{"operations": ', 2000) || '[]' || repeat('}', 2000))::jsonb);
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('add_column', jsonb_build_object('table', 't', 'column',
  (repeat('{"column": ', 3000) || '{}' || repeat('}', 3000))::jsonb)))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('alter_column', jsonb_build_object('table', 't', 'column', 'a', 'type',
  (repeat('{"type": ', 3000) || '"int"' || repeat('}', 3000))::jsonb)))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('create_index', jsonb_build_object('name', 'i', 'table', 't', 'columns',
  (repeat('[', 3000) || '"a"' || repeat(']', 3000))::jsonb)))));
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": {"name": "t"}, "columns": [{"name": "a", "type": "int"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_table": {"from": ["t"], "to": "t2"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t", "from": {"a": "a"}, "to": "a2"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"sql": {"up": {"up": "SELECT 1"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "up": ["1"], "column": {"name": "n", "type": "int"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"set_replica_identity": {"table": "t", "identity": [{"type": "full"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "type": "check", "check": {"constraint": "b > 0"}, "columns": ["b"], "up": {"b": "b"}, "down": {"b": "b"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": [{"column": {"column": "a"}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_constraint": {"table": "t", "name": "t_b_check", "up": "b", "down": {"b": "b"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "t"}}], "name": {"name": "n"}}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": 1e400}}]}');

-- Identifiers of 64+ bytes: ASCII, multibyte (2, 3 and 4 bytes a character)
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('create_table', jsonb_build_object('name', repeat('t', 64), 'columns', '[{"name": "a", "type": "int"}]'::jsonb)))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('add_column', jsonb_build_object('table', 't', 'column', jsonb_build_object('name', repeat('c', 200), 'type', 'int', 'nullable', true))))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('rename_table', jsonb_build_object('from', 't', 'to', repeat('é', 32))))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('rename_column', jsonb_build_object('table', 't', 'from', 'a', 'to', repeat('€', 22))))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('rename_column', jsonb_build_object('table', 't', 'from', 'a', 'to', repeat('😀', 16))))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('create_index', jsonb_build_object('name', repeat('i', 63) || 'é', 'table', 't', 'columns', '["a"]'::jsonb)))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('alter_column', jsonb_build_object('table', 't', 'column', 'b', 'check', jsonb_build_object('name', repeat('k', 64), 'constraint', 'b > 1'), 'up', 'b', 'down', 'b')))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('rename_constraint', jsonb_build_object('table', 't', 'from', 't_b_check', 'to', repeat('q', 64))))));
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('drop_column', jsonb_build_object('table', repeat('t', 100), 'column', 'a')))));
SELECT pg_temp.doc_error(jsonb_build_object('version_schema', repeat('ü', 32), 'operations', '[{"drop_table": {"name": "x"}}]'::jsonb));
SELECT pg_temp.doc_error(jsonb_build_object('name', repeat('n', 300), 'operations', '[{"drop_table": {"name": "x"}}]'::jsonb));
-- 62 bytes + the 2-byte "é": 64 bytes, though 63 characters
SELECT pg_temp.doc_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('rename_table', jsonb_build_object('from', 'x', 'to', repeat('x', 62) || 'é')))));

-- Identifiers with quotes, semicolons, backslashes, unicode: names that do
-- not exist are refused as missing (not as syntax errors)
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "t\"; DROP TABLE hostile.t; --"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "t''; DROP TABLE hostile.t; --"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_column": {"table": "t", "column": "a\\\"b"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t; DROP SCHEMA hostile CASCADE", "from": "a", "to": "z"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_index": {"name": "t_a_idx; DROP TABLE hostile.u"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_index": {"name": "hostile.t_a_idx"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "hostile.t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "pg_catalog.pg_class"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "\"t\""}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "T"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": " t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "\u0074\u200b"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_constraint": {"table": "t", "name": "t_b_check\" CASCADE; --", "up": "b", "down": "b"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_constraint": {"table": "t", "from": "t_b_check", "to": "c\"; DROP TABLE hostile.t; --"}}, {"drop_tabel": {}}]}');
SELECT pg_temp.doc_error('{"operations": [{"set_replica_identity": {"table": "t", "identity": {"type": "index", "index": "t_pkey; DROP TABLE hostile.t"}}}]}');

-- SQL injection in type, default, check, up, down, predicate, generated,
-- storage parameters, method, collation, opclass
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int); DROP TABLE hostile.t; --", "nullable": true}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int, ADD COLUMN evil int", "nullable": true}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int DEFAULT 1; DROP TABLE hostile.x", "nullable": true}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true, "default": "1; SELECT pg_sleep(10)"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true, "default": "1); DROP TABLE hostile.x; --"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "up": "1); DROP TABLE hostile.x; --", "column": {"name": "n", "type": "int"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "up": "1; DROP TABLE hostile.x", "column": {"name": "n", "type": "int"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "up": "1 $$; DROP TABLE hostile.x; $$", "column": {"name": "n", "type": "int"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "up": "(SELECT 1 FROM pg_sleep(10))::int; --", "column": {"name": "n", "type": "int"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "b", "type": "bigint", "up": "b", "down": "b)); DROP TABLE hostile.x; --"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "b", "type": "bigint; DROP TABLE hostile.x", "up": "b", "down": "b"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "b", "check": {"name": "ck", "constraint": "b > 0); DROP TABLE hostile.x; --"}, "up": "b", "down": "b"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "a", "default": "''x''; DROP TABLE hostile.x"}}]}');
SELECT pg_temp.start_error('{"operations": [{"create_table": {"name": "v", "columns": [{"name": "a", "type": "int", "check": {"name": "ck", "constraint": "true) NO INHERIT; DROP TABLE hostile.x; --"}}]}}]}');
SELECT pg_temp.start_error('{"operations": [{"create_table": {"name": "v", "columns": [{"name": "a", "type": "int", "generated": {"expression": "1); DROP TABLE hostile.x; --"}}]}}]}');
SELECT pg_temp.start_error('{"operations": [{"create_table": {"name": "v", "columns": [{"name": "a", "type": "int", "generated": {"identity": {"sequence_options": "START 1); DROP TABLE hostile.x; --"}}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": ["a"], "predicate": "true; DROP TABLE hostile.x"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": ["a"], "storage_parameters": "fillfactor = 70); DROP TABLE hostile.x; --"}}]}');
SELECT pg_temp.start_error('{"operations": [{"create_table": {"name": "v", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "ex", "type": "exclude", "exclude": {"index_method": "btree", "elements": "a WITH =); DROP TABLE hostile.x; --"}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "ck", "type": "check", "check": "b > 0) NOT VALID; DROP TABLE hostile.x; --", "columns": ["b"], "up": {"b": "b"}, "down": {"b": "b"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "uq", "type": "unique", "columns": ["c"], "up": {"c": "c; DROP TABLE hostile.x"}, "down": {"c": "c"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_column": {"table": "t", "column": "a", "down": "a); DROP TABLE hostile.x; --"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true, "comment": "x''; DROP TABLE hostile.x; --"}}}, {"drop_tabel": {}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "up": "pg_terminate_backend(pg_backend_pid())::int", "column": {"name": "n", "type": "int"}}}, {"drop_tabel": {}}]}');
-- an expression is compiled, never run, at validate
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "up": "1/0", "column": {"name": "n", "type": "int"}}}, {"drop_tabel": {}}]}');

-- References to missing tables, columns, constraints, indexes
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "missing"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_table": {"from": "missing", "to": "m2"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_table": {"from": "t", "to": "u"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "missing", "column": {"name": "n", "type": "int", "nullable": true}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "a", "type": "int", "nullable": true}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "missing", "nullable": true}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t", "from": "missing", "to": "m2"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t", "from": "a", "to": "b"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_column": {"table": "t", "column": "missing"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_constraint": {"table": "t", "name": "missing", "up": "b", "down": "b"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_multicolumn_constraint": {"table": "t", "name": "missing", "down": {"b": "b"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_constraint": {"table": "t", "from": "missing", "to": "m2"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_constraint": {"table": "t", "from": "t_b_check", "to": "t_pkey"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_index": {"name": "missing"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "t_a_idx", "table": "t", "columns": ["b"]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": ["missing"]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"set_replica_identity": {"table": "t", "identity": {"type": "index", "index": "missing"}}}]}');
SELECT pg_temp.start_error('{"operations": [{"set_replica_identity": {"table": "t", "identity": {"type": "index", "index": "t_a_idx"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "no_such_type", "nullable": true}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true, "references": {"name": "f", "table": "missing", "column": "id"}}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true, "references": {"name": "f", "table": "u", "column": "missing"}}}}]}');
SELECT pg_temp.start_error('{"operations": [{"create_constraint": {"table": "t", "name": "fk", "type": "foreign_key", "columns": ["c"], "references": {"table": "x", "columns": ["id"]}, "up": {"c": "c"}, "down": {"c": "c"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "t_pkey", "type": "unique", "columns": ["c"], "up": {"c": "c"}, "down": {"c": "c"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_column": {"table": "t", "column": "id"}}]}');

-- Conflicting operations in one migration
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "x"}}, {"rename_table": {"from": "x", "to": "x2"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "x"}}, {"drop_table": {"name": "x"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "x"}}, {"add_column": {"table": "x", "column": {"name": "n", "type": "int", "nullable": true}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t", "from": "a", "to": "z"}}, {"rename_column": {"table": "t", "from": "c", "to": "z"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t", "from": "a", "to": "z"}}, {"rename_column": {"table": "t", "from": "a", "to": "y"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true}}}, {"add_column": {"table": "t", "column": {"name": "n", "type": "text", "nullable": true}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_column": {"table": "t", "column": "a"}}, {"create_index": {"name": "i", "table": "t", "columns": ["a"]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_column": {"table": "t", "column": "b"}}, {"alter_column": {"table": "t", "column": "b", "nullable": true}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_column": {"table": "t", "column": "a"}}, {"drop_column": {"table": "t", "column": "a"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_column": {"table": "t", "column": "a"}}, {"rename_column": {"table": "t", "from": "a", "to": "a2"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_table": {"from": "x", "to": "y"}}, {"create_table": {"name": "y", "columns": [{"name": "a", "type": "int"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_table": {"from": "x", "to": "y"}}, {"drop_table": {"name": "x"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "y", "columns": [{"name": "a", "type": "int"}]}}, {"create_table": {"name": "y", "columns": [{"name": "a", "type": "int"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "y", "columns": [{"name": "a", "type": "int"}, {"name": "a", "type": "text"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": ["a"]}}, {"create_index": {"name": "i", "table": "t", "columns": ["c"]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_index": {"name": "t_a_idx"}}, {"drop_index": {"name": "t_a_idx"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "b", "type": "bigint", "up": "b", "down": "b"}}, {"alter_column": {"table": "t", "column": "b", "type": "text", "up": "b", "down": "b::int"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_constraint": {"table": "t", "name": "t_b_check", "up": "b", "down": "b"}}, {"rename_constraint": {"table": "t", "from": "t_b_check", "to": "ck2"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t", "from": "a", "to": "z"}}, {"alter_column": {"table": "t", "column": "a", "nullable": true}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "x"}}, {"sql": {"up": "SELECT 1"}}]}');

-- Reserved names (_pgroll_*)
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "_pgroll_t", "columns": [{"name": "a", "type": "int"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "_pgroll_new_a", "type": "int", "nullable": true}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t", "from": "a", "to": "_pgroll_new_a"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_table": {"from": "x", "to": "_pgroll_del_x"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "_pgroll_idx", "table": "t", "columns": ["a"]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "y", "columns": [{"name": "_PGROLL_a", "type": "int"}, {"name": "_pgroll_b", "type": "int"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "_pgroll_del_x"}}]}');
-- constraint names too: pgroll names its own constraints _pgroll_*
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "b", "check": {"name": "_pgroll_check_not_null_b", "constraint": "b > 1"}, "up": "b", "down": "b"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "q", "type": "int", "nullable": true, "check": {"name": "_pgroll_x", "constraint": "q > 0"}}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "y", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "_pgroll_dup_y", "type": "unique", "columns": ["a"]}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "b", "unique": {"name": "_pgroll_uniq_b"}, "up": "b", "down": "b"}}]}');

-- Unknown operations and wrong nesting
SELECT pg_temp.doc_error('{"operations": [{"DROP_TABLE": {"name": "x"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_schema": {"name": "hostile"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"": {"name": "x"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table; DROP TABLE hostile.x": {"name": "x"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"__proto__": {"name": "x"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"operations": [{"drop_table": {"name": "x"}}]}]}');
SELECT pg_temp.doc_error('{"migration": {"operations": [{"drop_table": {"name": "x"}}]}}');
SELECT pg_temp.doc_error('[{"operations": [{"drop_table": {"name": "x"}}]}]');
SELECT pg_temp.doc_error('{"operations": [[{"drop_table": {"name": "x"}}]]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"drop_table": {"name": "x"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": [{"name": "x"}]}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": null}]}');
SELECT pg_temp.doc_error('{"operations": [null]}');
SELECT pg_temp.doc_error('{"operations": null}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "name": "n", "type": "int", "nullable": true}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "y", "columns": [[{"name": "a", "type": "int"}]]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": {"name": "a"}, "nullable": true}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true, "check": "n > 0"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true, "references": "u(id)"}}}]}');
SELECT pg_temp.doc_error('null');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "x"}}], "operations ": []}');

-- pgroll.start refuses the same way, and records nothing
SELECT pg_temp.start_error('{"operations": [{"drop_table": {"name": "x"}}, {"rename_table": {"from": "x", "to": "x2"}}]}');
SELECT pg_temp.start_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int); DROP TABLE hostile.t; --", "nullable": true}}}]}');
SELECT pg_temp.start_error('{"operations": [{"add_column": {"table": "t", "up": "1); DROP TABLE hostile.x; --", "column": {"name": "n", "type": "int"}}}]}');
SELECT pg_temp.start_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true, "default": "1; SELECT pg_sleep(10)"}}}]}');
SELECT pg_temp.start_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "n", "type": "int", "nullable": true}}}, {"drop_column": {"table": "t", "column": "n"}}, {"create_index": {"name": "i", "table": "t", "columns": ["n"]}}]}');
SELECT pg_temp.start_error('{"operations": [{"create_table": {"name": "y", "columns": [{"name": "a", "type": "int"}]}}, {"drop_column": {"table": "t", "column": "missing"}}]}');
SELECT pg_temp.start_error('{"operations": [{"sql": {"up": "CREATE TABLE y (a int); DROP TABLE hostile.x; SELEC 1", "down": "DROP TABLE y"}}]}');
SELECT left(pg_temp.start_error(jsonb_build_object('operations',
  (SELECT jsonb_agg(jsonb_build_object('add_column', jsonb_build_object('table', 't', 'column', jsonb_build_object('name', 'n' || g, 'type', 'int', 'nullable', true)))) FROM generate_series(1, 10000) g)
  || '[{"drop_column": {"table": "t", "column": "missing"}}]'::jsonb)), 120);
SELECT pg_temp.start_error(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('create_table', jsonb_build_object('name', repeat('t', 64), 'columns', '[{"name": "a", "type": "int"}]'::jsonb)))));
SELECT count(*) AS history FROM pgroll.migrations WHERE schema = 'hostile';
SELECT count(*) AS version_schemas FROM pg_namespace WHERE nspname LIKE 'hostile\_%';
SELECT snap = pg_temp.snapshot() AS unchanged FROM before;
SELECT count(*) AS tables FROM pg_tables WHERE schemaname = 'hostile';

-- Legitimate documents with odd names work, and rollback leaves nothing
SELECT pg_temp.start_rollback('{"operations": [{"create_table": {"name": "t\"; DROP TABLE hostile.t; --", "columns": [{"name": "a''b\"c;\\d", "type": "int", "pk": true}, {"name": "é€😀", "type": "text", "nullable": true, "default": "''x''''; --''"}]}}]}');
SELECT pg_temp.start_rollback('{"operations": [{"add_column": {"table": "t", "column": {"name": "n\"; DROP TABLE hostile.t; --", "type": "text", "nullable": true, "default": "''1; SELECT pg_sleep(10)''", "comment": "it''s \"quoted\"; --"}}}]}');
SELECT pg_temp.start_rollback('{"operations": [{"rename_table": {"from": "x", "to": "x\"; DROP TABLE hostile.t; --"}}, {"rename_column": {"table": "t", "from": "a", "to": "ä ö\\ü"}}]}');
SELECT pg_temp.start_rollback('{"version_schema": "v \"; DROP SCHEMA hostile CASCADE; --", "operations": [{"drop_table": {"name": "x"}}]}');
SELECT pg_temp.start_rollback(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('create_table', jsonb_build_object('name', repeat('é', 31) || 'x', 'columns', jsonb_build_array(jsonb_build_object('name', repeat('😀', 15) || 'abc', 'type', 'int')))))));
SELECT pg_temp.start_rollback('{"operations": [{"add_column": {"table": "t", "up": "''a''''b; DROP TABLE hostile.x; --'' || id", "column": {"name": "q", "type": "text"}}}]}');
SELECT pg_temp.start_rollback('{"operations": [{"alter_column": {"table": "t", "column": "b", "check": {"name": "ck \"1\"; --", "constraint": "b > 0 AND b::text <> '';'' "}, "up": "CASE WHEN b > 0 THEN b ELSE 1 END", "down": "b"}}]}');
-- a collation or operator class is taken as a name: start refuses the
-- unknown name, nothing is injected
SELECT pg_temp.start_rollback('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": [{"column": "a", "collate": "C\"; DROP TABLE hostile.x; --"}]}}]}');
SELECT pg_temp.start_rollback('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": [{"column": "a", "opclass": {"name": "text_ops); DROP TABLE hostile.x; --"}}]}}]}');
CALL pgroll.wait('hostile');
SELECT to_regclass('hostile.x') AS x_still_there;
SELECT count(*) AS history FROM pgroll.migrations WHERE schema = 'hostile';
SELECT count(*) AS version_schemas FROM pg_namespace WHERE nspname LIKE 'hostile\_%';
SELECT snap = pg_temp.snapshot() AS unchanged FROM before;
SELECT count(*) AS pgroll_objects FROM pg_class WHERE relnamespace = 'hostile'::regnamespace AND relname LIKE '\_pgroll\_%';

-- Clean up
DELETE FROM pgroll.migrations WHERE schema = 'hostile';
DELETE FROM pgroll.jobs WHERE schema = 'hostile';
SET client_min_messages = warning;
DROP SCHEMA hostile CASCADE;
RESET client_min_messages;
