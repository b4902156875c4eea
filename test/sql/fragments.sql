-- fragments: every SQL fragment of a document is exactly the one thing its
-- field names, checked with PostgreSQL's grammar before anything runs, and
-- refused with its JSON path otherwise; nothing can be smuggled into DDL
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA fr;
CREATE TABLE fr.t (id int PRIMARY KEY, a int, secret text);
INSERT INTO fr.t VALUES (1, 1, 'keep me');
CREATE FUNCTION pg_temp.refused(doc text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pgroll.start(doc::jsonb, '01_x', 'fr');
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- a generated expression that closes its clause and alters the table
SELECT pg_temp.refused('{"operations":[{"add_column":{"table":"t","column":{"name":"c","type":"int","nullable":true,
  "generated":{"expression":"1) STORED, ALTER COLUMN secret TYPE text USING NULL, DROP CONSTRAINT t_pkey, ADD COLUMN evil int GENERATED ALWAYS AS (2"}}}}]}');
-- defaults, checks, exclusion elements and predicates, sequence options,
-- storage parameters, the same way
SELECT pg_temp.refused('{"operations":[{"create_table":{"name":"n","columns":[{"name":"id","type":"int","pk":true,"default":"1, evil int"}]}}]}');
SELECT pg_temp.refused('{"operations":[{"create_table":{"name":"n","columns":[{"name":"id","type":"int","pk":true,"check":{"name":"c","constraint":"true), CHECK (false"}}]}}]}');
SELECT pg_temp.refused('{"operations":[{"create_table":{"name":"n","columns":[{"name":"id","type":"int","pk":true}],"constraints":[{"name":"c","type":"check","check":"true), CHECK (false"}]}}]}');
SELECT pg_temp.refused('{"operations":[{"create_table":{"name":"n","columns":[{"name":"id","type":"int","pk":true}],"constraints":[{"name":"e","type":"exclude","exclude":{"index_method":"btree","elements":"id WITH =), CHECK (id < 0"}}]}}]}');
SELECT pg_temp.refused('{"operations":[{"create_table":{"name":"n","columns":[{"name":"id","type":"int","pk":true}],"constraints":[{"name":"e","type":"exclude","exclude":{"index_method":"btree","elements":"id WITH =","predicate":"true), CHECK (false"}}]}}]}');
SELECT pg_temp.refused('{"operations":[{"create_table":{"name":"n","columns":[{"name":"id","type":"bigint","pk":true,"generated":{"identity":{"user_specified_values":"BY DEFAULT","sequence_options":"START 100), evil int, CHECK (false"}}}]}}]}');
SELECT pg_temp.refused('{"operations":[{"create_index":{"name":"t_a_idx","table":"t","columns":["a"],"storage_parameters":"fillfactor=70) WHERE (a > 5"}}]}');
SELECT pg_temp.refused('{"operations":[{"create_constraint":{"table":"t","name":"t_a_uq","type":"unique","columns":["a"],"index_parameters":{"storage_parameters":"fillfactor=70) WHERE (a > 5"},"up":{"a":"a"},"down":{"a":"a"}}}]}');
SELECT pg_temp.refused('{"operations":[{"alter_column":{"table":"t","column":"a","default":"1) , ALTER COLUMN secret DROP NOT NULL --","up":"a","down":"a"}}]}');
SELECT pg_temp.refused('{"operations":[{"create_index":{"name":"t_a_idx","table":"t","columns":["a"],"predicate":"a > 0) WITH (fillfactor=10"}}]}');
-- a trailing comment would swallow the rest of the statement it stands in
SELECT pg_temp.refused('{"operations":[{"create_table":{"name":"n","columns":[{"name":"id","type":"int","pk":true,"default":"1 -- one"}]}}]}');
-- a type is one type name: not a set, not %TYPE
SELECT pg_temp.refused('{"operations":[{"create_table":{"name":"n","columns":[{"name":"id","type":"setof int","pk":true}]}}]}');
SELECT pg_temp.refused('{"operations":[{"add_column":{"table":"t","column":{"name":"c","type":"fr.t.a%TYPE","nullable":true}}}]}');
-- validate refuses them the same way
SELECT pgroll.validate('{"operations":[{"create_table":{"name":"n","columns":[{"name":"id","type":"int","pk":true,"default":"1, evil int"}]}}]}', 'fr');
:e
-- nothing happened
SELECT count(*) AS migrations FROM pgroll.migrations WHERE schema = 'fr';
SELECT * FROM fr.t;
SELECT conname FROM pg_constraint WHERE conrelid = 'fr.t'::regclass;
-- well-formed fragments work, in parentheses in the DDL
SELECT pgroll.start('{"operations":[{"create_table":{"name":"n","columns":[
  {"name":"id","type":"bigint","pk":true,"generated":{"identity":{"user_specified_values":"BY DEFAULT","sequence_options":"START 100 INCREMENT 5"}}},
  {"name":"v","type":"int","default":"1 + 2","check":{"name":"v_pos","constraint":"v > 0 /* positive */"}},
  {"name":"during","type":"tsrange","nullable":true}],
  "constraints":[{"name":"no_overlap","type":"exclude","exclude":{"index_method":"gist","elements":"during WITH &&","predicate":"v > 1"}}]}},
  {"create_index":{"name":"n_v_idx","table":"n","columns":["v"],"storage_parameters":"fillfactor = 70"}}]}', '01_ok', 'fr');
CALL pgroll.wait('fr');
INSERT INTO fr_01_ok.n DEFAULT VALUES RETURNING id, v;
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'fr.n'::regclass ORDER BY conname;
SELECT pg_get_indexdef('fr.n_v_idx'::regclass);
SELECT pgroll.complete('fr');
