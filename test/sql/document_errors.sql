-- document_errors: malformed migration documents are refused with a SQLSTATE
-- and a message naming the JSON path; nothing is changed.
CREATE FUNCTION pg_temp.doc_error(doc jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pgroll.validate(doc, 'public');
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.start_error(doc jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pgroll.start(doc, 'bad', 'public');
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- The document and the operations array
SELECT pg_temp.doc_error('[]');
SELECT pg_temp.doc_error('"create_table"');
SELECT pg_temp.doc_error('{}');
SELECT pg_temp.doc_error('{"operations": {"drop_table": {"name": "t"}}}');
SELECT pg_temp.doc_error('{"operations": "drop_table"}');
SELECT pg_temp.doc_error('{"operations": []}');
SELECT pg_temp.doc_error('{"operations": [1]}');
SELECT pg_temp.doc_error('{"operations": [["drop_table"]]}');
SELECT pg_temp.doc_error('{"operations": [{}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "a"}, "drop_index": {"name": "b"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_colum": {"table": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": "t"}]}');

-- Unknown keys, at every level
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "t"}}], "migration": "x"}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "colum": "c"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "t"}}, {"drop_table": {"name": "u", "cascade": true}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int", "null": true}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int", "check": {"name": "c", "constraint": "a > 0", "valid": false}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "a", "type": "int", "references": {"name": "f", "table": "u", "columns": ["id"]}}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": [{"column": "a", "order": "ASC"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": {"a": {"column": "a"}}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"set_replica_identity": {"table": "t", "identity": {"type": "index", "name": "i"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "unique", "columns": ["a"], "where": "a > 0"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "unique", "columns": ["a"], "index_parameters": {"fillfactor": 70}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int", "generated": {"identity": {"start": 1}}}]}}]}');

-- Wrong JSON types
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int", "nullable": "true"}]}}]}');
SELECT pg_temp.doc_error('{"version_schema": 2, "operations": [{"drop_table": {"name": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": {"name": "a", "type": "int"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "a", "type": ["int"]}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": ["a", "int"]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": ["a"]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": null, "type": "int"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "c", "default": 0}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "c", "nullable": null}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": [42]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": "a"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "unique", "columns": "a"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"sql": {"up": "SELECT 1", "onComplete": 1}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "type": "unique", "columns": ["a"], "up": ["a"], "down": {"a": "a"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "type": "unique", "columns": ["a"], "up": {"a": 1}, "down": {"a": "a"}}}]}');

-- Missing required fields, in each operation
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"columns": [{"name": "a", "type": "int"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": []}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "a"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"column": {"name": "a", "type": "int"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "c", "check": {"constraint": "c > 0"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "c", "unique": {}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "c", "references": {"name": "f", "table": "u"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t", "from": "a"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_column": {"table": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "columns": ["a"]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": []}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": [{"collate": "C"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": [{"column": "a", "opclass": {"params": ["siglen = 32"]}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_index": {}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_table": {"to": "u"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"sql": {"down": "DROP TABLE t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "columns": ["a"], "up": {"a": "a"}, "down": {"a": "a"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "type": "check", "check": "a > 0", "up": {}, "down": {}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "type": "unique", "columns": ["a"], "down": {"a": "a"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "type": "foreign_key", "columns": ["a"], "up": {"a": "a"}, "down": {"a": "a"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_multicolumn_constraint": {"table": "t", "name": "c", "up": {"a": "a"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_constraint": {"table": "t", "name": "c", "up": "a"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_constraint": {"table": "t", "from": "c"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"set_replica_identity": {"table": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"set_replica_identity": {"table": "t", "identity": {"type": "index"}}}]}');

-- Rules between fields
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "unique"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "check"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "check", "check": "a > 0", "deferrable": true}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "check", "check": "a > 0", "nulls_not_distinct": true}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "foreign_key", "columns": ["a"]}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "exclude"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "foreign_key", "columns": ["a"], "references": {"table": "u", "columns": ["id"], "on_delete_set_columns": ["a"]}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "foreign_key", "columns": ["a"], "references": {"table": "u", "columns": ["id"], "on_delete": "SET NULL", "on_delete_set_columns": ["b"]}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int", "generated": {"expression": "1", "identity": {}}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "c", "up": "c", "down": "c"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"sql": {"up": "CREATE TABLE t (a int)", "down": "DROP TABLE t", "onComplete": true}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "type": "unique", "columns": ["a", "b"], "up": {"a": "a"}, "down": {"a": "a", "b": "b"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "type": "unique", "columns": ["a"], "up": {"a": "a"}, "down": {"a": "a", "b": "b"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"set_replica_identity": {"table": "t", "identity": {"type": "full", "index": "i"}}}]}');

-- Enumerations
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": [{"column": "a"}], "method": "foo"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": [{"column": "a", "sort": "UP"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_index": {"name": "i", "table": "t", "columns": {"a": {"nulls": "MIDDLE"}}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "c", "references": {"name": "f", "table": "u", "column": "id", "on_delete": "DELETE"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "a", "type": "int", "references": {"name": "f", "table": "u", "column": "id", "on_update": ""}}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "foreign_key", "columns": ["a"], "references": {"table": "u", "columns": ["id"], "match_type": "LOOSE"}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"set_replica_identity": {"table": "t", "identity": {"type": "everything"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "not_null", "columns": ["a"]}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_constraint": {"table": "t", "name": "c", "type": "exclude", "columns": ["a"], "up": {"a": "a"}, "down": {"a": "a"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int", "generated": {"identity": {"user_specified_values": "NEVER"}}}]}}]}');

-- Identifiers: 63 bytes are accepted (operations[1] fails instead), 64 are not
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}, {"drop_tabel": {"name": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_table": {"name": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}]}');
SELECT pg_temp.doc_error('{"version_schema": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "operations": [{"drop_table": {"name": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "unique", "columns": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"alter_column": {"table": "t", "column": "c", "references": {"name": "f", "table": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "column": "id"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "a", "type": "int"}], "constraints": [{"name": "c", "type": "unique", "columns": ["a"], "index_parameters": {"include_columns": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]}}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"rename_column": {"table": "t", "from": "a", "to": "éééééééééééééééééééééééééééééééé"}}]}');

-- Empty identifiers and strings
SELECT pg_temp.doc_error('{"name": "", "operations": [{"drop_table": {"name": "t"}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_index": {"name": ""}}]}');
SELECT pg_temp.doc_error('{"operations": [{"add_column": {"table": "t", "column": {"name": "a", "type": ""}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "", "type": "int"}]}}]}');
SELECT pg_temp.doc_error('{"operations": [{"drop_multicolumn_constraint": {"table": "t", "name": "c", "down": {"": "x"}}}]}');
SELECT pg_temp.doc_error('{"operations": [{"sql": {"up": ""}}]}');

-- pgroll.start parses first too: nothing is recorded or created
SELECT pg_temp.start_error('{"operations": []}');
SELECT pg_temp.start_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "id", "type": "int", "pk": "yes"}]}}]}');
SELECT pg_temp.start_error('{"version_schema": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "operations": [{"create_table": {"name": "t", "columns": [{"name": "id", "type": "int"}]}}]}');
SELECT pg_temp.start_error('{"operations": [{"create_table": {"name": "t", "columns": [{"name": "id", "type": "int"}]}}, {"sql": {"up": "SELECT 1", "down": "SELECT 2", "onComplete": true}}]}');

-- Nothing was recorded and no version schema was created
SELECT count(*) FROM pgroll.migrations;
SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'public\_%';
