/*
 * test/conformance/selftest.sql -- the checks of conformance.sql can fail.
 *
 * Plants one fault at a time in a scratch schema and asserts that the
 * check meant to see it reports it (and that a clean state reports
 * nothing).  run.sh runs conformance.selftest() first; each row it
 * returns is a check that missed its fault (or a false alarm).
 */
CREATE FUNCTION conformance.selftest() RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    s      text := 'selftest';
    got    text[];
    note   text;
    res    jsonb;
BEGIN
    SET LOCAL client_min_messages = warning;
    CREATE SCHEMA selftest;
    CREATE TYPE selftest.size AS ENUM ('small', 'large');
    CREATE TABLE selftest.parent (id int PRIMARY KEY, name varchar(20) NOT NULL UNIQUE,
                                  size selftest.size NOT NULL);
    CREATE TABLE selftest.child (id serial PRIMARY KEY,
                                 parent_id int NOT NULL REFERENCES selftest.parent,
                                 title text NOT NULL CHECK (length(title) > 3),
                                 age int NOT NULL DEFAULT 18 CHECK (age >= 18),
                                 note text,
                                 at timestamptz NOT NULL,
                                 g int GENERATED ALWAYS AS (age * 2) STORED);

    -- the loader fills every table, parents first, respecting the constraints
    got := ARRAY(SELECT conformance.load_data(s, 3));
    IF got <> '{}' THEN RETURN NEXT 'load_data: ' || got::text; END IF;
    IF (SELECT count(*) FROM selftest.parent) <> 3 OR (SELECT count(*) FROM selftest.child) <> 3 THEN
        RETURN NEXT 'load_data did not load 3 rows into each table';
    END IF;

    -- compare_rows (strict): clean, then a changed value, a lost row, a
    -- dropped column, a renamed table
    PERFORM conformance.snapshot('selftest', s);
    IF EXISTS (SELECT conformance.compare_rows('selftest', true)) THEN
        RETURN NEXT 'compare_rows: false alarm on an unchanged schema';
    END IF;
    UPDATE selftest.child SET note = 'changed' WHERE id = (SELECT min(id) FROM selftest.child);
    IF NOT EXISTS (SELECT conformance.compare_rows('selftest', true)) THEN
        RETURN NEXT 'compare_rows missed a changed value';
    END IF;
    IF EXISTS (SELECT conformance.compare_rows('selftest', false, NULL,
                                               ARRAY['selftest.child'::regclass::oid || '.note'])) THEN
        RETURN NEXT 'compare_rows: false alarm on an excluded column';
    END IF;
    PERFORM conformance.snapshot('selftest', s);
    DELETE FROM selftest.child WHERE id = (SELECT max(id) FROM selftest.child);
    IF NOT EXISTS (SELECT conformance.compare_rows('selftest', false)) THEN
        RETURN NEXT 'compare_rows missed a lost row';
    END IF;
    PERFORM conformance.snapshot('selftest', s);
    ALTER TABLE selftest.child DROP COLUMN note;
    IF NOT EXISTS (SELECT conformance.compare_rows('selftest', true)) THEN
        RETURN NEXT 'compare_rows missed a dropped column';
    END IF;
    PERFORM conformance.snapshot('selftest', s);
    ALTER TABLE selftest.child RENAME TO kid;
    IF NOT EXISTS (SELECT conformance.compare_rows('selftest', true)) THEN
        RETURN NEXT 'compare_rows missed a renamed table';
    END IF;
    ALTER TABLE selftest.kid RENAME TO child;

    -- leftovers
    IF EXISTS (SELECT conformance.leftovers(s)) THEN
        RETURN NEXT 'leftovers: false alarm: ' || (SELECT string_agg(x, '; ') FROM conformance.leftovers(s) x);
    END IF;
    ALTER TABLE selftest.child ADD COLUMN _pgroll_new_x int;
    IF NOT EXISTS (SELECT conformance.leftovers(s)) THEN RETURN NEXT 'leftovers missed a _pgroll_ column'; END IF;
    ALTER TABLE selftest.child DROP COLUMN _pgroll_new_x;
    ALTER TABLE selftest.child ADD CONSTRAINT c_nv CHECK (age > 0) NOT VALID;
    IF NOT EXISTS (SELECT conformance.leftovers(s)) THEN RETURN NEXT 'leftovers missed a NOT VALID constraint'; END IF;
    ALTER TABLE selftest.child DROP CONSTRAINT c_nv;

    -- shapes
    IF NOT EXISTS (SELECT conformance.compare_shapes('{"t": [["a", "int", null]]}',
                                                     '{"t": [["a", "text", null]]}', 'a', 'b')) THEN
        RETURN NEXT 'compare_shapes missed a type change';
    END IF;
    IF NOT EXISTS (SELECT conformance.compare_shapes('{"t": []}', '{}', 'a', 'b')) THEN
        RETURN NEXT 'compare_shapes missed a missing relation';
    END IF;

    -- version checks: a faithful view passes; a filtering view, a view of
    -- two tables and a table in the version schema do not
    CREATE SCHEMA selftest_v;
    CREATE VIEW selftest_v.parent AS SELECT id, name AS label, size FROM selftest.parent;
    CREATE VIEW selftest_v.child AS SELECT id, parent_id, title, age, at, g FROM selftest.child;
    IF EXISTS (SELECT conformance.check_version('selftest_v', 'selftest')) THEN
        RETURN NEXT 'check_version: false alarm: ' || (SELECT string_agg(x, '; ') FROM conformance.check_version('selftest_v', 'selftest') x);
    END IF;
    IF (SELECT array_agg(base_attnum ORDER BY attnum) FROM conformance.col_info('selftest_v.parent'::regclass))
       <> '{1,2,3}' THEN
        RETURN NEXT 'col_info does not map view columns to table columns';
    END IF;
    CREATE VIEW selftest_v.few AS SELECT * FROM selftest.parent WHERE id < 0;
    IF NOT EXISTS (SELECT conformance.check_version('selftest_v', 'selftest')) THEN
        RETURN NEXT 'check_version missed a view that hides rows';
    END IF;
    DROP VIEW selftest_v.few;
    CREATE VIEW selftest_v.two AS SELECT p.id, c.title FROM selftest.parent p JOIN selftest.child c ON c.parent_id = p.id;
    IF NOT EXISTS (SELECT conformance.check_version('selftest_v', 'selftest')) THEN
        RETURN NEXT 'check_version missed a view of two tables';
    END IF;
    DROP VIEW selftest_v.two;
    IF NOT EXISTS (SELECT conformance.check_version('selftest_nope', 'selftest')) THEN
        RETURN NEXT 'check_version missed a missing version schema';
    END IF;

    -- counts after "complete"
    PERFORM conformance.check_version('selftest_v', 'selftest_counts');
    IF EXISTS (SELECT conformance.compare_counts('selftest_counts')) THEN
        RETURN NEXT 'compare_counts: false alarm';
    END IF;
    DELETE FROM selftest.child WHERE id = (SELECT max(id) FROM selftest.child);
    IF NOT EXISTS (SELECT conformance.compare_counts('selftest_counts')) THEN
        RETURN NEXT 'compare_counts missed a lost row';
    END IF;

    -- inserts through views: a working view; a column hidden from the view
    -- that is NOT NULL without default ("not allowed", a note); a failing
    -- trigger (a failure)
    got := ARRAY(SELECT conformance.insert_through('selftest_v', s));
    IF got <> '{"NOTE: 2 rows inserted through selftest_v"}' THEN
        RETURN NEXT 'insert_through: false alarm: ' || got::text;
    END IF;
    CREATE VIEW selftest_v.hidden AS SELECT id, parent_id, age, at FROM selftest.child;
    got := ARRAY(SELECT conformance.insert_through('selftest_v', s));
    IF NOT (got::text LIKE '%NOTE: insert into selftest_v.hidden not allowed%') OR got::text LIKE '%FAIL%' THEN
        RETURN NEXT 'insert_through: a hidden NOT NULL column is not a note: ' || got::text;
    END IF;
    DROP VIEW selftest_v.hidden;
    CREATE FUNCTION selftest.boom() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''boom''; END';
    CREATE TRIGGER boom BEFORE INSERT ON selftest.parent FOR EACH ROW EXECUTE FUNCTION selftest.boom();
    got := ARRAY(SELECT conformance.insert_through('selftest_v', s));
    IF NOT (got::text LIKE '%FAIL: insert into selftest_v.parent: boom%') THEN
        RETURN NEXT 'insert_through missed a failing insert: ' || got::text;
    END IF;
    IF NOT EXISTS (SELECT conformance.leftovers(s)) THEN RETURN NEXT 'leftovers missed a trigger'; END IF;
    DROP TRIGGER boom ON selftest.parent;

    -- the new version's rows survive complete
    CREATE SCHEMA selftest_w;
    CREATE VIEW selftest_w.child AS SELECT id, parent_id, title, age, at FROM selftest.child;
    got := ARRAY(SELECT conformance.snapshot_version('selftest_w', 'selftest_w'));
    IF got <> '{}' THEN RETURN NEXT 'snapshot_version: ' || got::text; END IF;
    IF EXISTS (SELECT conformance.compare_version_rows('selftest_w', s)) THEN
        RETURN NEXT 'compare_version_rows: false alarm: ' || (SELECT string_agg(x, '; ') FROM conformance.compare_version_rows('selftest_w', s) x);
    END IF;
    UPDATE selftest.child SET title = 'changed title' WHERE id = (SELECT min(id) FROM selftest.child);
    IF NOT EXISTS (SELECT conformance.compare_version_rows('selftest_w', s)) THEN
        RETURN NEXT 'compare_version_rows missed a changed value';
    END IF;
    DROP SCHEMA selftest_w CASCADE;
    DELETE FROM conformance.version_row WHERE tag = 'selftest_w';

    -- up checks: the right values pass, a wrong value, a lost row and a
    -- missing column do not
    got := ARRAY(SELECT conformance.prepare_up_checks(s,
        '{"operations": [{"add_column": {"table": "parent", "up": "upper(name)",
                                         "column": {"name": "shout", "type": "text"}}}]}'));
    IF got <> '{}' THEN RETURN NEXT 'prepare_up_checks: ' || got::text; END IF;
    IF NOT EXISTS (SELECT x FROM conformance.verify_up_checks(s) x WHERE x NOT LIKE 'NOTE:%') THEN
        RETURN NEXT 'verify_up_checks missed a missing column';
    END IF;
    ALTER TABLE selftest.parent ADD COLUMN shout text;
    UPDATE selftest.parent SET shout = upper(name);
    IF EXISTS (SELECT x FROM conformance.verify_up_checks(s) x WHERE x NOT LIKE 'NOTE:%') THEN
        RETURN NEXT 'verify_up_checks: false alarm: ' || (SELECT string_agg(x, '; ') FROM conformance.verify_up_checks(s) x);
    END IF;
    UPDATE selftest.parent SET shout = 'wrong' WHERE id = (SELECT min(id) FROM selftest.parent);
    IF NOT EXISTS (SELECT x FROM conformance.verify_up_checks(s) x WHERE x NOT LIKE 'NOTE:%') THEN
        RETURN NEXT 'verify_up_checks missed a wrong value';
    END IF;
    UPDATE selftest.parent SET shout = upper(name);
    DELETE FROM selftest.child;
    DELETE FROM selftest.parent WHERE id = (SELECT min(id) FROM selftest.parent);
    IF NOT EXISTS (SELECT x FROM conformance.verify_up_checks(s) x WHERE x NOT LIKE 'NOTE:%') THEN
        RETURN NEXT 'verify_up_checks missed a lost row';
    END IF;

    -- history and schema list, with a real pgroll migration
    PERFORM conformance.snapshot('selftest', s);
    PERFORM pgroll.start('{"operations": [{"create_table": {"name": "t",
                          "columns": [{"name": "id", "type": "int", "pk": true}]}}]}', 'st1', s);
    IF NOT EXISTS (SELECT conformance.history_problems('selftest', s, NULL)) THEN
        RETURN NEXT 'history_problems missed a new migration';
    END IF;
    IF NOT EXISTS (SELECT conformance.leftovers(s)) THEN
        RETURN NEXT 'leftovers missed an active migration';
    END IF;
    IF NOT EXISTS (SELECT conformance.schema_problems('selftest', s, NULL, NULL)) THEN
        RETURN NEXT 'schema_problems missed a new version schema';
    END IF;
    PERFORM pgroll.complete(s);
    IF EXISTS (SELECT conformance.history_problems('selftest', s, 'st1')) THEN
        RETURN NEXT 'history_problems: false alarm after complete';
    END IF;
    IF EXISTS (SELECT conformance.schema_problems('selftest', s, NULL, 'selftest_st1')) THEN
        RETURN NEXT 'schema_problems: false alarm';
    END IF;

    -- leave nothing behind
    DELETE FROM conformance.up_val WHERE id IN (SELECT id FROM conformance.up_check WHERE schema = s);
    DELETE FROM conformance.up_check WHERE schema = s;
    DELETE FROM conformance.snap_rel WHERE tag LIKE 'selftest%';
    DELETE FROM conformance.snap_row WHERE tag LIKE 'selftest%';
    DELETE FROM conformance.snap_meta WHERE tag LIKE 'selftest%';
    DELETE FROM conformance.view_snap WHERE tag LIKE 'selftest%';
    DROP SCHEMA selftest, selftest_v, selftest_st1 CASCADE;
END $$;
