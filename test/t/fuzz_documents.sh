#!/bin/bash
# test/t/fuzz_documents.sh -- seeded, reproducible mutation fuzzing of
# migration documents.  Mutations of the 56 example documents are made in
# the database (setseed + random()), run through pgroll.validate, and some
# through pgroll.start + pgroll.rollback, against a schema with examples
# 01-20 applied.  Prints TAP.  Needs PGHOST, PGPORT, PGUSER; works in its
# own database pgroll_fuzz, dropped at the end.  FUZZ_SEED overrides the seed.
set -u
DB=pgroll_fuzz
SEED=${FUZZ_SEED:-42}
NCASES=${FUZZ_CASES:-4000}
NSTART=${FUZZ_STARTS:-300}
EXAMPLES=${EXAMPLES:-/work/shared/pgroll-examples/json}
export PGDATABASE=$DB
. "$(dirname "$0")/tap.bash"
echo "# seed $SEED, $NCASES validate cases, $NSTART start cases"
dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB" || { echo "1..1"; echo "not ok 1 - createdb $DB"; exit 1; }
q "CREATE EXTENSION pgroll; CREATE SCHEMA fz; CREATE TABLE fz.ex (n int PRIMARY KEY, doc jsonb NOT NULL);" >/dev/null
n=0
for f in "$EXAMPLES"/*.json; do
    n=$((n + 1))
    printf 'INSERT INTO fz.ex VALUES (%d, $fzdoc$%s$fzdoc$);\n' "$n" "$(cat "$f")"
done | psql -X -q -v ON_ERROR_STOP=1 >/dev/null
check "the 56 example documents are loaded" "$(q 'SELECT count(*) FROM fz.ex')" 56

# examples 01..20 applied to public
applied=$(q "DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT n, doc FROM fz.ex WHERE n <= 20 ORDER BY n LOOP
    PERFORM pgroll.start(r.doc, 'ex' || lpad(r.n::text, 2, '0'), 'public');
    COMMIT; CALL pgroll.wait('public', '60 seconds'); PERFORM pgroll.complete('public'); COMMIT;
  END LOOP; END \$\$"; q "SELECT count(*) FROM pgroll.migrations WHERE schema = 'public' AND done")
check "examples 01-20 applied" "$applied" 20

psql -X -q -v ON_ERROR_STOP=1 <<'SQL' 2>&1 | comment
-- every path of a document (keys and array positions), in a fixed order
CREATE FUNCTION fz.paths(d jsonb) RETURNS SETOF text[] LANGUAGE sql AS $$
  WITH RECURSIVE p(path, v) AS (
    SELECT ARRAY[]::text[], d
    UNION ALL
    SELECT p.path || e.k, e.v FROM p,
      LATERAL (SELECT key AS k, value AS v FROM jsonb_each(CASE WHEN jsonb_typeof(p.v) = 'object' THEN p.v ELSE '{}' END)
               UNION ALL
               SELECT (o - 1)::text, x FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p.v) = 'array' THEN p.v ELSE '[]' END) WITH ORDINALITY a(x, o)) e)
  SELECT path FROM p WHERE cardinality(path) > 0 ORDER BY path::text $$;
CREATE FUNCTION fz.pick(a anyarray) RETURNS anyelement LANGUAGE sql AS
  $$ SELECT a[1 + floor(random() * cardinality(a))::int] $$;
-- one random mutation
CREATE FUNCTION fz.mutate1(d jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  ps text[]; p text[]; v jsonb; kind int := floor(random() * 12)::int;
  nops int := coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(d->'operations') = 'array' THEN d->'operations' END), 0);
  i int; j int; s text;
BEGIN
  SELECT array_agg(array_to_string(x, chr(1))) INTO ps FROM fz.paths(d) x;
  IF ps IS NULL THEN RETURN d; END IF;
  p := string_to_array(fz.pick(ps), chr(1));
  v := d #> p;
  CASE kind
  WHEN 0 THEN RETURN d #- p;                                         -- delete a key
  WHEN 1 THEN RETURN jsonb_set(d, p, fz.pick(ARRAY['null','0','-1','true','false','""','"x"','[]','{}','1e308','[{}]']::jsonb[]));
  WHEN 2 THEN IF nops = 0 THEN RETURN d; END IF;                     -- duplicate an operation
    i := floor(random() * nops)::int;
    RETURN jsonb_set(d, '{operations}', (d->'operations') || jsonb_build_array(d->'operations'->i));
  WHEN 3 THEN IF nops = 0 THEN RETURN d; END IF;                     -- drop an operation
    RETURN d #- ARRAY['operations', floor(random() * nops)::text];
  WHEN 4 THEN IF nops < 2 THEN RETURN d; END IF;                     -- swap two operations
    i := floor(random() * nops)::int; j := floor(random() * nops)::int;
    RETURN jsonb_set(jsonb_set(d, ARRAY['operations', i::text], d->'operations'->j), ARRAY['operations', j::text], d->'operations'->i);
  WHEN 5 THEN IF jsonb_typeof(v) <> 'string' THEN RETURN d; END IF;  -- truncate a string
    RETURN jsonb_set(d, p, to_jsonb(left(v #>> '{}', floor(random() * length(v #>> '{}'))::int)));
  WHEN 6 THEN IF jsonb_typeof(v) <> 'string' THEN RETURN d; END IF;  -- insert hostile characters
    s := v #>> '{}'; i := floor(random() * (length(s) + 1))::int;
    RETURN jsonb_set(d, p, to_jsonb(left(s, i) || fz.pick(ARRAY['"', '''', ';', '\', ' ', 'é', '😀', '"; DROP TABLE customers; --',
      ''')); DROP TABLE customers; --', '$' || '$', '/*', '--', E'\t', '_pgroll_', repeat('z', 70)]) || substr(s, i + 1)));
  WHEN 7 THEN                                                        -- change a number or a boolean
    IF jsonb_typeof(v) = 'boolean' THEN RETURN jsonb_set(d, p, to_jsonb(NOT v::boolean)); END IF;
    IF jsonb_typeof(v) = 'number' THEN RETURN jsonb_set(d, p, to_jsonb(fz.pick(ARRAY[-1, 0, 2147483648, 0.5]::numeric[]))); END IF;
    RETURN jsonb_set(d, p, to_jsonb(floor(random() * 100)::int));
  WHEN 8 THEN RETURN jsonb_set(d, p, jsonb_build_array(v));          -- wrap in an array
  WHEN 9 THEN RETURN jsonb_set(d, p, jsonb_build_object('x', v));    -- wrap in an object
  WHEN 10 THEN                                                       -- rename a key
    IF p[cardinality(p)] ~ '^[0-9]+$' THEN RETURN d; END IF;
    RETURN jsonb_set(d #- p, p[1:cardinality(p) - 1] || (p[cardinality(p)] || fz.pick(ARRAY['s', '_', 'X'])), v);
  ELSE                                                               -- replace with another document's value
    i := 1 + floor(random() * 56)::int;
    RETURN jsonb_set(d, p, (SELECT e.doc->'operations'->0 FROM fz.ex e WHERE e.n = i));
  END CASE;
END $$;
CREATE TABLE fz.cases (batch text, i int, src int, doc jsonb, outcome text, PRIMARY KEY (batch, i));
-- generate n cases deterministically from seed
CREATE FUNCTION fz.generate(b text, seed float8, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE d jsonb; src int; k int;
BEGIN
  PERFORM setseed(seed);
  FOR i IN 1..n LOOP
    src := 1 + floor(random() * 56)::int;
    SELECT doc INTO d FROM fz.ex WHERE ex.n = src;
    FOR k IN 1..1 + floor(random() * 3)::int LOOP d := fz.mutate1(d); END LOOP;
    INSERT INTO fz.cases VALUES (b, i, src, d, NULL);
  END LOOP;
END $$;
CREATE FUNCTION fz.validate_batch(b text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record; o text;
BEGIN
  FOR r IN SELECT i, doc FROM fz.cases WHERE batch = b ORDER BY i LOOP
    BEGIN PERFORM pgroll.validate(r.doc, 'public'); o := 'valid';
    EXCEPTION WHEN OTHERS THEN o := SQLSTATE; END;
    UPDATE fz.cases SET outcome = o WHERE batch = b AND i = r.i;
  END LOOP;
END $$;
CREATE TABLE fz.starts (i int PRIMARY KEY, outcome text, message text);
CREATE FUNCTION fz.try_start(k int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE d jsonb; o text; m text;
BEGIN
  SELECT doc INTO d FROM fz.cases WHERE batch = 'main' AND i = k;
  BEGIN
    PERFORM pgroll.start(d, 'fuzz' || k, 'public');
    o := 'started';
  EXCEPTION WHEN OTHERS THEN o := SQLSTATE; m := SQLERRM; END;
  IF o = 'started' THEN
    BEGIN PERFORM pgroll.rollback('public'); o := 'rolled back';
    EXCEPTION WHEN OTHERS THEN o := 'rollback ' || SQLSTATE; m := SQLERRM; END;
  END IF;
  INSERT INTO fz.starts VALUES (k, o, m);
END $$;
SQL

pm_before=$(q "SELECT pg_postmaster_start_time()")
hist_before=$(q "SELECT md5(string_agg(name || ':' || done || ':' || coalesce(resulting_schema, ''), ',' ORDER BY created_at)) FROM pgroll.migrations")
nsp_before=$(q "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%'")
t0=$SECONDS
q "SELECT fz.generate('main', ($SEED % 1000000) / 1000000.0, $NCASES); SELECT fz.validate_batch('main')" | comment
echo "# validate: $NCASES cases in $((SECONDS - t0)) s"
# start + rollback for every k-th case, one transaction each
t0=$SECONDS
step=$(( NCASES / NSTART )); [ $step -lt 1 ] && step=1
for ((k = step; k <= NCASES && k / step <= NSTART; k += step)); do
    echo "SELECT fz.try_start($k);"
    echo "CALL pgroll.wait('public', '20 seconds');"
done | psql -X -q >/dev/null 2>&1
echo "# start/rollback: $(q 'SELECT count(*) FROM fz.starts') cases in $((SECONDS - t0)) s"

alive=$(q "SELECT 1")
check "the connection is alive after the run" "$alive" 1
check "the server never restarted" "$(q "SELECT pg_postmaster_start_time()")" "$pm_before"
q "SELECT outcome, count(*) FROM fz.cases WHERE batch = 'main' GROUP BY 1 ORDER BY 1" | sed 's/^/validate /' | comment
q "SELECT outcome, count(*) FROM fz.starts GROUP BY 1 ORDER BY 1" | sed 's/^/start /' | comment
bad=$(q "SELECT string_agg(DISTINCT o, ' ') FROM (SELECT outcome o FROM fz.cases WHERE batch = 'main' UNION ALL
        SELECT regexp_replace(outcome, '^rollback ', '') FROM fz.starts) s
      WHERE o NOT IN ('valid', 'started', 'rolled back') AND left(o, 2) NOT IN ('22','42','0A','23','55','2B','P0','25','57')")
check "every error's SQLSTATE is of class 22/42/0A/23/55/2B/P0/25/57" "$bad" ""
check "no document failed validate with an internal error" "$(q "SELECT count(*) FROM fz.cases WHERE outcome LIKE 'XX%'")" 0
check "every started migration rolled back" "$(q "SELECT count(*) FROM fz.starts WHERE outcome LIKE 'rollback %'")" 0
q "SELECT 'case ' || s.i || ' (example ' || c.src || '): ' || s.outcome || ': ' || s.message || ' -- ' || left(c.doc::text, 300)
   FROM fz.starts s JOIN fz.cases c ON c.batch = 'main' AND c.i = s.i WHERE s.outcome LIKE 'rollback %' OR left(s.outcome, 2) = 'XX' LIMIT 5" | comment
q "CALL pgroll.wait('public', '30 seconds')" >/dev/null
check "no migration is active" "$(q "SELECT count(*) FROM pgroll.migrations WHERE NOT done")" 0
check "the history is unchanged" "$(q "SELECT md5(string_agg(name || ':' || done || ':' || coalesce(resulting_schema, ''), ',' ORDER BY created_at)) FROM pgroll.migrations")" "$hist_before"
check "no _pgroll_ objects are left" "$(q "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname LIKE '\_pgroll\_%'")" 0
check "no live version schema other than the last completed one" "$(q "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname LIKE 'public\_%'
      AND coalesce(obj_description(oid, 'pg_namespace'), '') NOT LIKE 'pgroll: retired version%'")" \
      "$(q "SELECT 'public_' || pgroll.latest_version('public')")"
check "the schemas are unchanged" "$(q "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%'")" "$nsp_before"

# reproducibility: the same seed twice gives the same cases and outcomes
q "SELECT fz.generate('r1', ($SEED % 1000000) / 1000000.0, 300); SELECT fz.validate_batch('r1');
   SELECT fz.generate('r2', ($SEED % 1000000) / 1000000.0, 300); SELECT fz.validate_batch('r2')" >/dev/null
check "the same seed gives the same documents" "$(q "SELECT count(*) FROM fz.cases a JOIN fz.cases b ON b.batch = 'r2' AND b.i = a.i AND b.doc = a.doc WHERE a.batch = 'r1'")" 300
check "the same seed gives the same outcome counts" \
      "$(q "SELECT string_agg(outcome || '=' || c, ',' ORDER BY outcome) FROM (SELECT outcome, count(*) c FROM fz.cases WHERE batch = 'r1' GROUP BY 1) s")" \
      "$(q "SELECT string_agg(outcome || '=' || c, ',' ORDER BY outcome) FROM (SELECT outcome, count(*) c FROM fz.cases WHERE batch = 'r2' GROUP BY 1) s")"
check "the small batch matches the first 300 cases of the main run" "$(q "SELECT count(*) FROM fz.cases a JOIN fz.cases b ON b.batch = 'main' AND b.i = a.i AND b.outcome = a.outcome WHERE a.batch = 'r1'")" 300

psql -X -q -d postgres -c "DROP DATABASE $DB WITH (FORCE)" >/dev/null 2>&1
echo "# seed $SEED"
echo "1..$t"
