/*
 * test/conformance/conformance.sql -- helpers of the conformance suite.
 *
 * Loaded by run.sh into its own database (schema "conformance", never part
 * of the schemas under test, so pg_dump of those schemas does not see it).
 * Everything here is derived from the catalogs and the migration document;
 * nothing knows the examples.  Functions that check return one row per
 * problem found (rows starting with "NOTE: " are remarks, not problems).
 *
 *   generic data loader ..... value_for, col_info, gen_insert, try_insert,
 *                             load_data
 *   snapshots ............... snapshot (row counts, every row by key,
 *                             table shapes, schema list, history),
 *                             snapshot_version (every row of a version)
 *   comparisons ............. compare_rows, compare_shapes, leftovers,
 *                             history_problems, schema_problems,
 *                             check_version, compare_counts,
 *                             compare_version_rows
 *   inserts through views ... insert_through (and violation_is_hidden)
 *   "up" checks ............. prepare_up_checks, extend_up_checks,
 *                             verify_up_checks
 *   lifecycle wrappers ...... try_start, try_complete, try_rollback
 *
 * selftest.sql plants a fault for each check and asserts it is reported.
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA conformance;

/*
 * Every generated value of a row derives from the row's number n, counted
 * per table: values are distinct within a table (unique constraints), and
 * row n of one table has the same values as row n of another, so columns
 * that refer to another table without a foreign key yet (a later
 * migration adds it, e.g. tickets(sellers_name, sellers_zip) ->
 * sellers(name, zip)) do refer to existing rows.  n starts high enough
 * for the usual checks (> 0, >= 18, length > 3).
 */
CREATE TABLE conformance.counter (relid oid PRIMARY KEY, n bigint NOT NULL);

CREATE FUNCTION conformance.next_n(rel oid) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO conformance.counter VALUES (coalesce(rel, 0), 1000)
    ON CONFLICT (relid) DO UPDATE SET n = counter.n + 1
    RETURNING n
$$;

CREATE TABLE conformance.snap_rel (
    tag         text,
    relid       oid,
    relname     name,
    nrows       bigint,
    key_attnums int2[],     -- NULL: no usable key, rows are not compared
    PRIMARY KEY (tag, relid)
);
CREATE TABLE conformance.snap_row (
    tag   text,
    relid oid,
    k     text,             -- the key values, jsonb array as text
    v     jsonb             -- {"<attnum>": "<value as text>", ...}
);
CREATE INDEX ON conformance.snap_row (tag, relid, k);
CREATE TABLE conformance.snap_meta (
    tag         text PRIMARY KEY,
    schemas     text[],     -- every schema of the database
    latest      text,       -- pgroll.latest_migration
    nmigrations bigint,
    shapes      jsonb       -- {"<table>": [[column, type, default], ...]}
);
CREATE TABLE conformance.view_snap (
    tag    text,
    vs     text,
    view   name,
    base   oid,
    nrows  bigint
);
CREATE TABLE conformance.version_row (
    tag   text,
    view  name,
    keys  text[],           -- the view's columns that show the table's key
    k     text,
    v     jsonb             -- {"<column>": "<value as text>", ...}
);
CREATE TABLE conformance.up_check (
    id          serial PRIMARY KEY,
    schema      text,
    relid       oid,
    relname     text,
    target      text,       -- the column, as named after complete
    expr        text,       -- what its pre-existing rows must hold
    source      text,       -- which operation asked for it
    key_names   text[]
);
CREATE TABLE conformance.up_val (
    id int,
    k  text,
    e1 text,                -- expr evaluated twice: differing values mean
    e2 text                 -- the expression is volatile
);

/* ---------------------------------------------------------------------
 * Catalog helpers
 * ---------------------------------------------------------------------
 */

-- the schema and every schema named like its version schemas (s_*); the
-- suite runs the schemas in parallel, each watches its own
-- (a version schema complete retired, whose views only raise an error
-- naming the current version, is no longer one of them)
CREATE FUNCTION conformance.related_schemas(s text) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT nspname::text FROM pg_namespace
    WHERE (nspname = s OR left(nspname, length(s) + 1) = s || '_')
      AND coalesce(obj_description(oid, 'pg_namespace'), '') NOT LIKE 'pgroll: retired version%'
    ORDER BY 1
$$;

-- the tables of a schema (partitions are reached through their parent)
CREATE FUNCTION conformance.tables(s text) RETURNS SETOF oid
LANGUAGE sql STABLE AS $$
    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname
$$;

-- tables ordered so that referenced tables come before referencing ones
CREATE FUNCTION conformance.tables_by_fk_depth(s text) RETURNS SETOF oid
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE t AS (SELECT conformance.tables(s) AS oid),
    d(oid, depth) AS (
        SELECT oid, 0 FROM t
        UNION ALL
        SELECT con.conrelid, d.depth + 1
        FROM d JOIN pg_constraint con ON con.confrelid = d.oid AND con.contype = 'f'
                                      AND con.conrelid <> con.confrelid
        WHERE d.depth < 10 AND con.conrelid IN (SELECT oid FROM t))
    SELECT oid FROM d GROUP BY oid ORDER BY max(depth), oid::regclass::text
$$;

CREATE FUNCTION conformance.views(vs text) RETURNS SETOF oid
LANGUAGE sql STABLE AS $$
    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = vs AND c.relkind = 'v' ORDER BY c.relname
$$;

CREATE FUNCTION conformance.qname(rel oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel
$$;

/*
 * Which table column each column of a view shows: the view's query tree
 * records, for every output column, its origin (resorigtbl, resorigcol).
 */
CREATE FUNCTION conformance.view_sources(v oid)
RETURNS TABLE (attnum int2, base oid, base_attnum int2)
LANGUAGE sql STABLE AS $$
    SELECT substring(p FROM ':resno (\d+)')::int2,
           substring(p FROM ':resorigtbl (\d+)')::oid,
           substring(p FROM ':resorigcol (\d+)')::int2
    FROM pg_rewrite r,
         unnest((regexp_split_to_array(r.ev_action::text, '\{TARGETENTRY '))[2:]) p
    WHERE r.ev_class = v AND r.rulename = '_RETURN'
      AND substring(p FROM ':resorigtbl (\d+)')::oid <> 0
$$;

-- the single table a view reads (NULL if not exactly one)
CREATE FUNCTION conformance.view_base(v oid) RETURNS oid
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN count(DISTINCT base) = 1 THEN min(base) END
    FROM conformance.view_sources(v)
$$;

/*
 * Columns of a table or view with what the loader needs to know, taken
 * from the table column the (view) column shows: NOT NULL, identity,
 * generated, part of a unique index or exclusion constraint.  The default
 * is the relation's own (views carry the table's defaults).
 */
CREATE FUNCTION conformance.col_info(rel oid)
RETURNS TABLE (attnum int2, attname name, typid oid, typmod int4, base oid,
               base_attnum int2, notnull boolean, has_default boolean,
               default_expr text, identity "char", generated "char",
               in_unique boolean)
LANGUAGE sql STABLE AS $$
    WITH src AS (
        SELECT a.attnum,
               CASE WHEN c.relkind IN ('r', 'p') THEN rel ELSE vs.base END AS base,
               CASE WHEN c.relkind IN ('r', 'p') THEN a.attnum ELSE vs.base_attnum END AS base_attnum
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN conformance.view_sources(rel) vs ON vs.attnum = a.attnum
        WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped)
    SELECT a.attnum, a.attname, a.atttypid, a.atttypmod, s.base, s.base_attnum,
           coalesce(b.attnotnull, false), a.atthasdef, pg_get_expr(d.adbin, d.adrelid),
           coalesce(b.attidentity, ''), coalesce(b.attgenerated, ''),
           EXISTS (SELECT 1 FROM pg_index i
                   WHERE i.indrelid = s.base AND i.indisunique
                     AND s.base_attnum = ANY (i.indkey::int2[]))
           OR EXISTS (SELECT 1 FROM pg_constraint x
                      WHERE x.conrelid = s.base AND x.contype = 'x'
                        AND s.base_attnum = ANY (x.conkey))
    FROM pg_attribute a JOIN src s ON s.attnum = a.attnum
    LEFT JOIN pg_attribute b ON b.attrelid = s.base AND b.attnum = s.base_attnum
    LEFT JOIN pg_attrdef d ON d.adrelid = rel AND d.adnum = a.attnum
    WHERE a.attrelid = rel
    ORDER BY a.attnum
$$;

-- the key rows are matched by: the primary key, else a unique constraint
-- or index on NOT NULL plain columns; NULL if there is none
CREATE FUNCTION conformance.key_attnums(rel oid) RETURNS int2[]
LANGUAGE sql STABLE AS $$
    SELECT i.indkey::int2[]
    FROM pg_index i
    WHERE i.indrelid = rel AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
      AND i.indexprs IS NULL
      AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) k
                      JOIN pg_attribute a ON a.attrelid = rel AND a.attnum = k
                      WHERE NOT a.attnotnull)
    ORDER BY i.indisprimary DESC, i.indexrelid
    LIMIT 1
$$;

-- "jsonb_build_array(t.a::text, ...)::text" for the given attnums
CREATE FUNCTION conformance.key_expr(rel oid, attnums int2[], alias text DEFAULT 't') RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT 'jsonb_build_array(' ||
           string_agg(format('%I.%I::text', alias, a.attname), ', ' ORDER BY k.ord) || ')::text'
    FROM unnest(attnums) WITH ORDINALITY k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = rel AND a.attnum = k.attnum AND NOT a.attisdropped
    HAVING count(*) = cardinality(attnums)
$$;

/*
 * A table's or view's columns as [[name, type, default], ...], by name:
 * the order is not compared, as rewriting a column (a copy that takes its
 * place at complete) moves it to the end of the table.
 */
CREATE FUNCTION conformance.shape(rel oid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_array(a.attname::text,
                                                format_type(a.atttypid, a.atttypmod),
                                                pg_get_expr(d.adbin, d.adrelid))
                              ORDER BY a.attname), '[]')
    FROM pg_attribute a
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
$$;

CREATE FUNCTION conformance.table_shapes(s text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(c.relname, conformance.shape(c.oid)), '{}')
    FROM pg_class c WHERE c.oid IN (SELECT conformance.tables(s))
$$;

CREATE FUNCTION conformance.view_shapes(vs text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(c.relname, conformance.shape(c.oid)), '{}')
    FROM pg_class c WHERE c.oid IN (SELECT conformance.views(vs))
$$;

/* ---------------------------------------------------------------------
 * The generic data loader
 * ---------------------------------------------------------------------
 */

/*
 * A SQL literal of the type for counter value n ('...'::type), or NULL if
 * the type is not supported.  variant > 1 varies what would otherwise be
 * constant (enum label), for another try after a unique violation.
 */
CREATE FUNCTION conformance.value_for(typid oid, typmod int4, n bigint, variant int)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t       oid := typid;
    tm      int4 := typmod;
    ty      pg_type;
    v       text;
    labels  text[];
    prec    int;
    scale   int;
BEGIN
    SELECT * INTO ty FROM pg_type WHERE oid = t;
    WHILE ty.typtype = 'd' LOOP           -- a domain: the base type's value
        t := ty.typbasetype;
        tm := ty.typtypmod;
        SELECT * INTO ty FROM pg_type WHERE oid = t;
    END LOOP;

    IF ty.typtype = 'e' THEN              -- enum: the first label
        SELECT array_agg(enumlabel::text ORDER BY enumsortorder) INTO labels
        FROM pg_enum WHERE enumtypid = t;
        v := labels[1 + CASE WHEN variant > 1 THEN (n % cardinality(labels))::int ELSE 0 END];
    ELSIF ty.typcategory = 'A' THEN
        v := '{}';
    ELSIF t = 'int2'::regtype THEN
        v := (n % 32000)::text;
    ELSIF t IN ('int4'::regtype, 'int8'::regtype, 'oid'::regtype,
                'float4'::regtype, 'float8'::regtype, 'money'::regtype) THEN
        v := n::text;
    ELSIF t = 'numeric'::regtype THEN
        IF tm >= 4 THEN                   -- numeric(p, s): keep below 10^(p-s)
            prec := ((tm - 4) >> 16) & 65535;
            scale := (tm - 4) & 65535;
            v := CASE WHEN prec > scale THEN (n % (10::numeric ^ least(prec - scale, 18)))::bigint::text
                      ELSE '0' END;
        ELSE
            v := n::text;
        END IF;
    ELSIF t = 'bool'::regtype THEN
        v := (n % 2 = 0)::text;
    ELSIF t IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype, 'name'::regtype)
          OR ty.typcategory = 'S' THEN
        v := 'val-' || n;
        IF tm > 4 THEN v := right(v, tm - 4); END IF;
    ELSIF t = 'date'::regtype THEN
        v := (date '2000-01-01' + (n % 100000)::int)::text;
    ELSIF t IN ('timestamp'::regtype, 'timestamptz'::regtype) THEN
        v := (timestamp '2000-01-01' + n * interval '1 minute')::text;
    ELSIF t IN ('time'::regtype, 'timetz'::regtype) THEN
        v := (time '00:00' + (n % 86400) * interval '1 second')::text;
        IF t = 'timetz'::regtype THEN v := v || '+00'; END IF;
    ELSIF t = 'interval'::regtype THEN
        v := n || ' seconds';
    ELSIF t = 'uuid'::regtype THEN
        v := md5(n::text)::uuid::text;
    ELSIF t IN ('json'::regtype, 'jsonb'::regtype) THEN
        v := json_build_object('n', n)::text;
    ELSIF t = 'bytea'::regtype THEN
        v := 'val-' || n;
    ELSIF t IN ('inet'::regtype, 'cidr'::regtype) THEN
        v := format('10.%s.%s.%s/32', (n >> 16) & 255, (n >> 8) & 255, n & 255);
    ELSE                                  -- anything else: try the number
        v := n::text;
        BEGIN
            EXECUTE format('SELECT %L::%s', v, format_type(typid, typmod));
        EXCEPTION WHEN OTHERS THEN
            RETURN NULL;
        END;
    END IF;
    RETURN format('%L::%s', v, format_type(typid, typmod));
END $$;

/*
 * An INSERT of one generated row into a table or view, built from the
 * catalogs.  NULL stmt (and a reason) when no row can be built.
 *
 *  - identity and generated columns are left out;
 *  - foreign keys whose columns the relation shows reference an existing
 *    parent row (one not yet referenced if the key columns are unique),
 *    or are NULL if there is none and the columns are nullable;
 *  - a column with a default gets it (left out), unless it is unique and
 *    the default is not a sequence; attempt 2 leaves out every column
 *    with a default and every nullable column (for check constraints);
 *  - nullable columns are NULL unless fill_nullable;
 *  - other columns get value_for(type, n).
 */
CREATE FUNCTION conformance.gen_insert(rel oid, n bigint, attempt int, fill_nullable boolean,
                                       OUT stmt text, OUT reason text)
LANGUAGE plpgsql AS $$
DECLARE
    c       record;
    fk      record;
    cols    text[] := '{}';
    vals    text[] := '{}';
    done    int2[] := '{}';
    b       oid;
    cnt     bigint;
    pvals   text[];
    q       text;
    cond    text;
    v       text;
BEGIN
    SELECT min(ci.base) INTO b FROM conformance.col_info(rel) ci;

    -- foreign keys of the table whose columns the relation shows
    FOR fk IN
        SELECT con.conname, con.confrelid,
               array_agg(ci.attnum ORDER BY k.ord) AS attnums,
               array_agg(ci.attname::text ORDER BY k.ord) AS names,
               array_agg(format_type(ci.typid, ci.typmod) ORDER BY k.ord) AS types,
               array_agg(pa.attname::text ORDER BY k.ord) AS refnames,
               array_agg(ba.attname::text ORDER BY k.ord) AS basenames,
               bool_and(NOT ci.notnull) AS nullable,
               count(ci.attnum) = cardinality(con.conkey) AS shown,
               EXISTS (SELECT 1 FROM pg_index i
                       WHERE i.indrelid = con.conrelid AND i.indisunique
                         AND i.indkey::int2[] <@ con.conkey) AS unique_key
        FROM pg_constraint con
        CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY k(attnum, refattnum, ord)
        LEFT JOIN conformance.col_info(rel) ci ON ci.base = con.conrelid AND ci.base_attnum = k.attnum
        JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.refattnum
        JOIN pg_attribute ba ON ba.attrelid = con.conrelid AND ba.attnum = k.attnum
        WHERE con.conrelid = b AND con.contype = 'f'
        GROUP BY con.oid, con.conname, con.confrelid, con.conkey, con.conrelid
    LOOP
        CONTINUE WHEN NOT fk.shown OR fk.attnums && done;
        cond := '';
        IF fk.unique_key THEN
            SELECT format(' WHERE NOT EXISTS (SELECT 1 FROM %s ch WHERE (%s) = (%s))',
                          conformance.qname(b),
                          string_agg(format('ch.%I', bn), ', ' ORDER BY o),
                          string_agg(format('p.%I', rn), ', ' ORDER BY o))
            INTO cond
            FROM unnest(fk.basenames, fk.refnames) WITH ORDINALITY u(bn, rn, o);
        END IF;
        EXECUTE format('SELECT count(*) FROM %s p%s', conformance.qname(fk.confrelid), cond)
            INTO cnt;
        IF cnt = 0 THEN
            IF NOT fk.nullable THEN
                reason := format('no row of %s for foreign key %s',
                                 fk.confrelid::regclass, fk.conname);
                RETURN;
            END IF;
            SELECT array_agg(format('NULL::%s', ty) ORDER BY o) INTO pvals
            FROM unnest(fk.types) WITH ORDINALITY u(ty, o);
        ELSE
            SELECT format('SELECT ARRAY[%s] FROM %s p%s ORDER BY 1 OFFSET %s LIMIT 1',
                          string_agg(format('p.%I::text', rn), ', ' ORDER BY o),
                          conformance.qname(fk.confrelid), cond,
                          (n + attempt * 7) % cnt)
            INTO q FROM unnest(fk.refnames) WITH ORDINALITY u(rn, o);
            EXECUTE q INTO pvals;
            SELECT array_agg(CASE WHEN pv IS NULL THEN 'NULL' ELSE quote_literal(pv) END
                             || '::' || ty ORDER BY o)
            INTO pvals FROM unnest(pvals, fk.types) WITH ORDINALITY u(pv, ty, o);
        END IF;
        cols := cols || fk.names;
        vals := vals || pvals;
        done := done || fk.attnums;
    END LOOP;

    FOR c IN SELECT * FROM conformance.col_info(rel) LOOP
        CONTINUE WHEN c.attnum = ANY (done);
        CONTINUE WHEN c.identity <> '' OR c.generated <> '';
        IF c.has_default AND (attempt = 2 OR NOT c.in_unique
                              OR c.default_expr ~* 'nextval\(') THEN
            CONTINUE;
        END IF;
        IF NOT c.notnull AND NOT c.in_unique AND (attempt = 2 OR NOT fill_nullable) THEN
            CONTINUE;
        END IF;
        v := conformance.value_for(c.typid, c.typmod, n, attempt);
        IF v IS NULL THEN
            IF c.notnull THEN
                reason := format('no value for type %s of column %s',
                                 format_type(c.typid, c.typmod), c.attname);
                RETURN;
            END IF;
            CONTINUE;
        END IF;
        cols := cols || c.attname::text;
        vals := vals || v;
    END LOOP;

    IF cardinality(cols) = 0 THEN
        stmt := format('INSERT INTO %s DEFAULT VALUES', conformance.qname(rel));
    ELSE
        SELECT format('INSERT INTO %s (%s) VALUES (%s)', conformance.qname(rel),
                      string_agg(quote_ident(cn), ', '), array_to_string(vals, ', '))
        INTO stmt FROM unnest(cols) cn;
    END IF;
END $$;

/*
 * Insert one generated row, trying up to 3 rows while the failure is an
 * integrity violation.  Returns {"status": "ok" | "impossible" | "error",
 * ...the error's fields}.
 */
CREATE FUNCTION conformance.try_insert(rel oid, fill_nullable boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    g    record;
    res  jsonb;
    st   text; msg text; col text; con text; tbl text; sch text;
BEGIN
    FOR attempt IN 1..3 LOOP
        g := conformance.gen_insert(rel, conformance.next_n(coalesce(conformance.view_base(rel), rel)),
                                    attempt, fill_nullable);
        IF g.stmt IS NULL THEN
            RETURN jsonb_build_object('status', 'impossible', 'reason', g.reason);
        END IF;
        BEGIN
            EXECUTE g.stmt;
            RETURN jsonb_build_object('status', 'ok', 'stmt', g.stmt);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                col = COLUMN_NAME, con = CONSTRAINT_NAME, tbl = TABLE_NAME, sch = SCHEMA_NAME;
            res := jsonb_build_object('status', 'error', 'sqlstate', st, 'message', msg,
                                      'column', nullif(col, ''), 'constraint', nullif(con, ''),
                                      'table', nullif(tbl, ''), 'schema', nullif(sch, ''),
                                      'stmt', g.stmt);
            EXIT WHEN left(st, 2) <> '23';
        END;
    END LOOP;
    RETURN res;
END $$;

/*
 * Put nrows generated rows into every table of the schema (parents first;
 * the first row leaves nullable columns NULL).  Rows that violate a
 * constraint are skipped.  Returns a note for each table that got none.
 */
CREATE FUNCTION conformance.load_data(s text, nrows int) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    rel  oid;
    res  jsonb;
    ok   int;
    last jsonb;
BEGIN
    FOR rel IN SELECT conformance.tables_by_fk_depth(s) LOOP
        ok := 0;
        FOR r IN 1..nrows LOOP
            res := conformance.try_insert(rel, r > 1);
            IF res->>'status' = 'ok' THEN ok := ok + 1; ELSE last := res; END IF;
        END LOOP;
        IF ok = 0 THEN
            RETURN NEXT format('loader: no row into %s: %s', rel::regclass,
                               coalesce(last->>'message', last->>'reason'));
        END IF;
    END LOOP;
END $$;

/* ---------------------------------------------------------------------
 * Snapshots and comparisons
 * ---------------------------------------------------------------------
 */

-- counts, every row (by key), table shapes, schema list and history
CREATE FUNCTION conformance.snapshot(p_tag text, s text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rel  oid;
    key  int2[];
    cnt  bigint;
    vexp text;
BEGIN
    DELETE FROM conformance.snap_rel WHERE tag = p_tag;
    DELETE FROM conformance.snap_row WHERE tag = p_tag;
    DELETE FROM conformance.snap_meta WHERE tag = p_tag;
    FOR rel IN SELECT conformance.tables(s) LOOP
        key := conformance.key_attnums(rel);
        EXECUTE format('SELECT count(*) FROM %s', conformance.qname(rel)) INTO cnt;
        INSERT INTO conformance.snap_rel VALUES (p_tag, rel, (SELECT relname FROM pg_class WHERE oid = rel), cnt, key);
        CONTINUE WHEN key IS NULL;
        SELECT 'jsonb_build_object(' ||
               string_agg(format('%L, t.%I::text', a.attnum::text, a.attname), ', ' ORDER BY a.attnum) || ')'
        INTO vexp
        FROM pg_attribute a WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped;
        EXECUTE format('INSERT INTO conformance.snap_row SELECT %L, %s, %s, %s FROM %s t',
                       p_tag, rel, conformance.key_expr(rel, key), vexp, conformance.qname(rel));
    END LOOP;
    INSERT INTO conformance.snap_meta
    SELECT p_tag,
           ARRAY(SELECT conformance.related_schemas(s)),
           pgroll.latest_migration(s),
           (SELECT count(*) FROM pgroll.migrations m WHERE m.schema = s),
           conformance.table_shapes(s);
END $$;

/*
 * Rows of snapshot p_tag against the live tables.  strict (after
 * rollback): every table, column and row is still there with the same
 * values, and the counts are the same.  Otherwise (after complete): only
 * the tables in rels are compared, columns that are gone or in
 * exclude_cols ("relid.attname") are not, and rows may have been added.
 */
CREATE FUNCTION conformance.compare_rows(p_tag text, strict boolean, rels oid[] DEFAULT NULL,
                                         exclude_cols text[] DEFAULT '{}')
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    r        conformance.snap_rel;
    cnt      bigint;
    cmp      text[];
    missing  text[];
    kexp     text;
    vexp     text;
    lost     bigint;
    changed  bigint;
    example  text;
BEGIN
    FOR r IN SELECT * FROM conformance.snap_rel WHERE tag = p_tag ORDER BY relname LOOP
        CONTINUE WHEN rels IS NOT NULL AND NOT r.relid = ANY (rels);
        IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = r.relid) THEN
            RETURN NEXT format('table %s is gone', r.relname);
            CONTINUE;
        END IF;
        IF strict THEN
            IF (SELECT relname FROM pg_class WHERE oid = r.relid) <> r.relname THEN
                RETURN NEXT format('table %s is now named %s', r.relname, r.relid::regclass);
            END IF;
            EXECUTE format('SELECT count(*) FROM %s', conformance.qname(r.relid)) INTO cnt;
            IF cnt <> r.nrows THEN
                RETURN NEXT format('%s: %s rows before, %s now', r.relname, r.nrows, cnt);
            END IF;
        END IF;
        CONTINUE WHEN r.key_attnums IS NULL;
        kexp := conformance.key_expr(r.relid, r.key_attnums);
        IF kexp IS NULL THEN
            RETURN NEXT format('%s: a column of its key is gone, rows not compared', r.relname);
            CONTINUE;
        END IF;
        -- the columns of the snapshot that still exist
        SELECT array_agg(a.attnum::text ORDER BY a.attnum),
               'jsonb_build_object(' || string_agg(format('%L, t.%I::text', a.attnum::text, a.attname), ', ' ORDER BY a.attnum) || ')'
        INTO cmp, vexp
        FROM pg_attribute a
        WHERE a.attrelid = r.relid AND a.attnum > 0 AND NOT a.attisdropped
          AND NOT (r.relid || '.' || a.attname) = ANY (exclude_cols)
          AND EXISTS (SELECT 1 FROM conformance.snap_row sr
                      WHERE sr.tag = p_tag AND sr.relid = r.relid AND sr.v ? a.attnum::text);
        IF strict THEN
            SELECT array_agg(k) INTO missing
            FROM (SELECT DISTINCT jsonb_object_keys(v) k FROM conformance.snap_row
                  WHERE tag = p_tag AND relid = r.relid) x
            WHERE NOT k = ANY (coalesce(cmp, '{}'));
            IF missing IS NOT NULL THEN
                RETURN NEXT format('%s: columns with attnum %s are gone', r.relname, missing);
            END IF;
        END IF;
        CONTINUE WHEN vexp IS NULL;
        EXECUTE format(
            'SELECT count(*) FILTER (WHERE cur.k IS NULL),
                    count(*) FILTER (WHERE cur.k IS NOT NULL AND cur.v IS DISTINCT FROM b.v),
                    min(CASE WHEN cur.k IS NULL THEN ''lost row '' || b.k
                             WHEN cur.v IS DISTINCT FROM b.v THEN b.k || '': '' || b.v::text || '' -> '' || cur.v::text END)
             FROM (SELECT sr.k, (SELECT jsonb_object_agg(key, value) FROM jsonb_each(sr.v)
                                 WHERE key = ANY (%L::text[])) AS v
                   FROM conformance.snap_row sr WHERE sr.tag = %L AND sr.relid = %s) b
             LEFT JOIN (SELECT %s AS k, %s AS v FROM %s t) cur ON cur.k = b.k',
            cmp, p_tag, r.relid, kexp, vexp, conformance.qname(r.relid))
        INTO lost, changed, example;
        IF lost > 0 OR changed > 0 THEN
            RETURN NEXT format('%s: %s rows lost, %s rows changed (e.g. %s)',
                               r.relname, lost, changed, example);
        END IF;
    END LOOP;
END $$;

-- differences between two {"<relation>": shape} objects
CREATE FUNCTION conformance.compare_shapes(a jsonb, b jsonb, what_a text, what_b text)
RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT CASE
             WHEN x.value IS NULL THEN format('%s has %s, %s has not', what_b, y.key, what_a)
             WHEN y.value IS NULL THEN format('%s has %s, %s has not', what_a, x.key, what_b)
             ELSE format('%s differs: %s %s, %s %s', x.key, what_a, x.value, what_b, y.value)
           END
    FROM jsonb_each(a) x FULL JOIN jsonb_each(b) y ON x.key = y.key
    WHERE x.value IS DISTINCT FROM y.value
    ORDER BY coalesce(x.key, y.key)
$$;

-- what neither rollback nor complete may leave in the schema
CREATE FUNCTION conformance.leftovers(s text) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = s),
    rels AS (SELECT c.oid, c.relkind FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns))
    SELECT format('pgroll relation %s left', c.oid::regclass) FROM pg_class c
    WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relname LIKE '\_pgroll%'
    UNION ALL
    SELECT format('pgroll column %s.%s left', a.attrelid::regclass, a.attname) FROM pg_attribute a
    WHERE a.attrelid IN (SELECT oid FROM rels WHERE relkind IN ('r', 'p', 'v', 'm', 'f'))
      AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attname LIKE '\_pgroll%'
    UNION ALL
    SELECT format('pgroll constraint %s on %s left', con.conname, con.conrelid::regclass)
    FROM pg_constraint con WHERE con.connamespace IN (SELECT oid FROM ns) AND con.conname LIKE '\_pgroll%'
    UNION ALL
    SELECT format('constraint %s on %s is NOT VALID', con.conname, con.conrelid::regclass)
    FROM pg_constraint con WHERE con.connamespace IN (SELECT oid FROM ns) AND NOT con.convalidated
    UNION ALL
    SELECT format('trigger %s on %s left', t.tgname, t.tgrelid::regclass) FROM pg_trigger t
    WHERE t.tgrelid IN (SELECT oid FROM rels) AND NOT t.tgisinternal
    UNION ALL
    SELECT format('index %s is invalid', i.indexrelid::regclass) FROM pg_index i
    WHERE i.indrelid IN (SELECT oid FROM rels) AND NOT (i.indisvalid AND i.indisready)
    UNION ALL
    SELECT format('function %s left', p.oid::regprocedure) FROM pg_proc p
    WHERE p.pronamespace IN (SELECT oid FROM ns) AND p.proname LIKE '\_pgroll%'
    UNION ALL
    SELECT format('pgroll job %s still %s: %s', j.id, j.state, j.description) FROM pgroll.jobs j
    WHERE j.schema = s AND j.state IN ('queued', 'running')
    UNION ALL
    SELECT format('migration %s still active', m.name) FROM pgroll.migrations m
    WHERE m.schema = s AND NOT m.done
$$;

/*
 * The history against snapshot p_tag: unchanged (expect NULL), or
 * advanced by exactly the migration expect, which is done.
 */
CREATE FUNCTION conformance.history_problems(p_tag text, s text, expect text)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    m     conformance.snap_meta;
    n     bigint;
    cur   text;
BEGIN
    SELECT * INTO m FROM conformance.snap_meta WHERE tag = p_tag;
    SELECT count(*) INTO n FROM pgroll.migrations WHERE schema = s;
    cur := pgroll.latest_migration(s);
    IF expect IS NULL THEN
        IF n <> m.nmigrations OR cur IS DISTINCT FROM m.latest THEN
            RETURN NEXT format('history changed: latest %s -> %s, %s -> %s migrations',
                               m.latest, cur, m.nmigrations, n);
        END IF;
    ELSE
        IF n <> m.nmigrations + 1 OR cur IS DISTINCT FROM expect THEN
            RETURN NEXT format('history: latest %s -> %s, %s -> %s migrations (expected latest %s)',
                               m.latest, cur, m.nmigrations, n, expect);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pgroll.migrations x
                       WHERE x.schema = s AND x.name = expect AND x.done
                         AND x.parent IS NOT DISTINCT FROM m.latest) THEN
            RETURN NEXT format('history: %s is not recorded done with parent %s', expect, m.latest);
        END IF;
    END IF;
END $$;

-- the schemas of the database now named s or s_*, against snapshot p_tag
-- minus gone plus added
CREATE FUNCTION conformance.schema_problems(p_tag text, s text, gone text, added text)
RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    WITH expected AS (
        SELECT x FROM unnest((SELECT schemas FROM conformance.snap_meta WHERE tag = p_tag)) x
        WHERE x IS DISTINCT FROM gone
        UNION SELECT added WHERE added IS NOT NULL),
    actual AS (SELECT conformance.related_schemas(s) AS x)
    SELECT format('schema %s should exist', x) FROM expected WHERE x NOT IN (SELECT x FROM actual)
    UNION ALL
    SELECT format('schema %s should not exist', x) FROM actual WHERE x NOT IN (SELECT x FROM expected)
$$;

/*
 * A version schema: it exists, holds only views, each view reads exactly
 * one table, can be read, and shows as many rows as that table.  The
 * views are recorded under p_tag.
 */
CREATE FUNCTION conformance.check_version(vs text, p_tag text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    digest text;
    v     oid;
    b     oid;
    n     bigint;
    nb    bigint;
BEGIN
    DELETE FROM conformance.view_snap WHERE tag = p_tag;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = vs) THEN
        RETURN NEXT format('version schema %s does not exist', vs);
        RETURN;
    END IF;
    RETURN QUERY SELECT format('%s is a %s, not a view', c.oid::regclass, c.relkind)
        FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = vs AND c.relkind NOT IN ('v', 'S', 'i');
    IF NOT EXISTS (SELECT conformance.views(vs)) THEN
        RETURN NEXT format('version schema %s has no view', vs);
    END IF;
    FOR v IN SELECT conformance.views(vs) LOOP
        b := conformance.view_base(v);
        BEGIN
            -- every column of every row is computed (t::text), not just counted
            EXECUTE format('SELECT count(*), md5(coalesce(string_agg(t::text, E''\n''), '''')) FROM %s t',
                           conformance.qname(v)) INTO n, digest;
        EXCEPTION WHEN OTHERS THEN
            RETURN NEXT format('cannot read %s: %s', conformance.qname(v), SQLERRM);
            CONTINUE;
        END;
        IF b IS NULL THEN
            RETURN NEXT format('%s does not read exactly one table', conformance.qname(v));
        ELSE
            EXECUTE format('SELECT count(*) FROM %s', conformance.qname(b)) INTO nb;
            IF n <> nb THEN
                RETURN NEXT format('%s shows %s rows, its table %s has %s',
                                   conformance.qname(v), n, b::regclass, nb);
            END IF;
        END IF;
        INSERT INTO conformance.view_snap
        VALUES (p_tag, vs, (SELECT relname FROM pg_class WHERE oid = v), b, n);
    END LOOP;
END $$;

/*
 * Every row of every view of version schema vs, by the key of its table
 * (views that do not show the whole key are left out), under p_tag.
 */
CREATE FUNCTION conformance.snapshot_version(p_tag text, vs text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    v     oid;
    keys  text[];
    vexp  text;
BEGIN
    DELETE FROM conformance.version_row WHERE tag = p_tag;
    FOR v IN SELECT conformance.views(vs) LOOP
        SELECT array_agg(ci.attname::text ORDER BY k.o) INTO keys
        FROM unnest(conformance.key_attnums(conformance.view_base(v))) WITH ORDINALITY k(attnum, o)
        JOIN conformance.col_info(v) ci ON ci.base_attnum = k.attnum;
        IF keys IS NULL OR cardinality(keys) <>
           cardinality(conformance.key_attnums(conformance.view_base(v))) THEN
            RETURN NEXT format('NOTE: %s does not show a key, its rows are not compared',
                               conformance.qname(v));
            CONTINUE;
        END IF;
        SELECT 'jsonb_build_object(' || string_agg(format('%L, t.%I::text', a.attname, a.attname), ', ') || ')'
        INTO vexp FROM pg_attribute a WHERE a.attrelid = v AND a.attnum > 0 AND NOT a.attisdropped;
        EXECUTE format('INSERT INTO conformance.version_row SELECT %L, %L, %L, %s, %s FROM %s t',
                       p_tag, (SELECT relname FROM pg_class WHERE oid = v), keys,
                       (SELECT 'jsonb_build_array(' || string_agg(format('t.%I::text', kn), ', ' ORDER BY o) || ')::text'
                        FROM unnest(keys) WITH ORDINALITY u(kn, o)),
                       vexp, conformance.qname(v));
    END LOOP;
END $$;

/*
 * After complete: each table of schema s holds exactly the rows the new
 * version's view of the same name showed before complete (snapshot
 * p_tag), with the same values in every column of the view.
 */
CREATE FUNCTION conformance.compare_version_rows(p_tag text, s text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    r        record;
    rel      oid;
    lost     bigint;
    extra    bigint;
    changed  bigint;
    example  text;
BEGIN
    FOR r IN SELECT view, keys, (SELECT array_agg(DISTINCT x) FROM conformance.version_row y,
                                        jsonb_object_keys(y.v) x
                                 WHERE y.tag = p_tag AND y.view = vr.view) AS cols
             FROM conformance.version_row vr WHERE tag = p_tag GROUP BY view, keys ORDER BY view LOOP
        rel := to_regclass(quote_ident(s) || '.' || quote_ident(r.view));
        IF rel IS NULL THEN
            RETURN NEXT format('table %s of the new version does not exist', r.view);
            CONTINUE;
        END IF;
        BEGIN
            EXECUTE format(
                'SELECT count(*) FILTER (WHERE cur.k IS NULL),
                        count(*) FILTER (WHERE b.k IS NULL),
                        count(*) FILTER (WHERE cur.k IS NOT NULL AND b.k IS NOT NULL AND cur.v <> b.v),
                        min(CASE WHEN cur.k IS NULL THEN ''lost '' || b.k
                                 WHEN b.k IS NULL THEN ''extra '' || cur.k
                                 WHEN cur.v <> b.v THEN b.k || '': '' || b.v::text || '' -> '' || cur.v::text END)
                 FROM (SELECT k, v FROM conformance.version_row WHERE tag = %L AND view = %L) b
                 FULL JOIN (SELECT %s AS k, %s AS v FROM %s t) cur ON cur.k = b.k',
                p_tag, r.view,
                (SELECT 'jsonb_build_array(' || string_agg(format('t.%I::text', kn), ', ' ORDER BY o) || ')::text'
                 FROM unnest(r.keys) WITH ORDINALITY u(kn, o)),
                (SELECT 'jsonb_build_object(' || string_agg(format('%L, t.%I::text', c, c), ', ') || ')'
                 FROM unnest(r.cols) c),
                conformance.qname(rel))
            INTO lost, extra, changed, example;
        EXCEPTION WHEN OTHERS THEN
            RETURN NEXT format('%s: cannot compare with the new version: %s', r.view, SQLERRM);
            CONTINUE;
        END;
        IF lost > 0 OR extra > 0 OR changed > 0 THEN
            RETURN NEXT format('%s: %s rows of the new version lost, %s rows more, %s rows changed (e.g. %s)',
                               r.view, lost, extra, changed, example);
        END IF;
    END LOOP;
END $$;

/*
 * Rows inserted through the old version (after prepare_up_checks): their
 * column must hold "up" too.  Evaluated on the old version's view, which
 * has the names "up" uses; only rows not yet in up_val.
 */
CREATE FUNCTION conformance.extend_up_checks(s text, vs_old text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    c      conformance.up_check;
    view   oid;
    saved  text := current_setting('search_path');
    n      bigint;
BEGIN
    PERFORM set_config('search_path', quote_ident(s), true);
    FOR c IN SELECT * FROM conformance.up_check u WHERE u.schema = s ORDER BY id LOOP
        view := to_regclass(quote_ident(vs_old) || '.' || quote_ident(c.relname));
        CONTINUE WHEN view IS NULL;
        BEGIN
            EXECUTE format('INSERT INTO conformance.up_val SELECT * FROM (SELECT %s AS id, %s AS k, (%s)::text, (%s)::text FROM %s AS %I) x
                            WHERE k NOT IN (SELECT k FROM conformance.up_val WHERE id = %s)',
                           c.id,
                           (SELECT 'jsonb_build_array(' || string_agg(format('%I.%I::text', c.relname, kn), ', ' ORDER BY o) || ')::text'
                            FROM unnest(c.key_names) WITH ORDINALITY u(kn, o)),
                           c.expr, c.expr, conformance.qname(view), c.relname, c.id);
            GET DIAGNOSTICS n = ROW_COUNT;
            RETURN NEXT format('NOTE: up check of %s.%s: %s rows written through the old version', c.relname, c.target, n);
        EXCEPTION WHEN OTHERS THEN
            RETURN NEXT format('NOTE: up check of %s.%s: cannot evaluate %s on the old version: %s',
                               c.relname, c.target, c.expr, SQLERRM);
        END;
    END LOOP;
    PERFORM set_config('search_path', saved, true);
END $$;

-- after complete: every table a view of the new version read (recorded
-- under p_tag) is still there with as many rows
CREATE FUNCTION conformance.compare_counts(p_tag text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    r  conformance.view_snap;
    n  bigint;
BEGIN
    FOR r IN SELECT * FROM conformance.view_snap WHERE tag = p_tag ORDER BY view LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = r.base) THEN
            RETURN NEXT format('the table of %s.%s is gone', r.vs, r.view);
            CONTINUE;
        END IF;
        EXECUTE format('SELECT count(*) FROM %s', conformance.qname(r.base)) INTO n;
        IF n <> r.nrows THEN
            RETURN NEXT format('%s: %s rows before complete, %s after', r.base::regclass, r.nrows, n);
        END IF;
    END LOOP;
END $$;

/* ---------------------------------------------------------------------
 * Inserts through the version views
 * ---------------------------------------------------------------------
 */

/*
 * Is the integrity violation res (from an insert into view v) about a
 * column or constraint that v does not show?  Then the version's schema
 * does not allow the insert: its client cannot see, let alone satisfy,
 * what failed.  NULL/unknown counts as shown (strict).
 */
CREATE FUNCTION conformance.violation_is_hidden(v oid, res jsonb) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t      oid;
    shown  int2[];
    cols   int2[];
BEGIN
    t := to_regclass(quote_ident(res->>'schema') || '.' || quote_ident(res->>'table'));
    IF t IS NULL THEN RETURN false; END IF;
    SELECT array_agg(base_attnum) INTO shown FROM conformance.col_info(v) WHERE base = t;
    shown := coalesce(shown, '{}');
    IF res->>'sqlstate' = '23502' THEN
        SELECT array_agg(attnum) INTO cols FROM pg_attribute
        WHERE attrelid = t AND attname = res->>'column';
    ELSE
        SELECT conkey INTO cols FROM pg_constraint
        WHERE conrelid = t AND conname = res->>'constraint';
        IF cols IS NULL THEN            -- a unique index that is no constraint
            SELECT i.indkey::int2[] INTO cols FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = t AND c.relname = res->>'constraint';
        END IF;
    END IF;
    IF cols IS NULL OR cardinality(cols) = 0 THEN RETURN false; END IF;
    RETURN NOT cols <@ shown;
END $$;

/*
 * Insert one generated row through every view of version schema vs, with
 * search_path = vs (so pgroll's triggers know which version writes).
 * Returns problems as 'FAIL: ...' and accepted refusals as 'NOTE: ...'.
 */
CREATE FUNCTION conformance.insert_through(vs text, s text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    v      oid;
    res    jsonb;
    saved  text := current_setting('search_path');
    order_ oid[] := ARRAY(SELECT conformance.tables_by_fk_depth(s));
    ok     int := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = vs) THEN
        RETURN;                         -- reported by check_version
    END IF;
    PERFORM set_config('search_path', quote_ident(vs), true);
    FOR v IN
        SELECT x FROM conformance.views(vs) x
        ORDER BY array_position(order_, conformance.view_base(x)) NULLS LAST, x::regclass::text
    LOOP
        res := conformance.try_insert(v, true);
        IF res->>'status' = 'ok' THEN
            ok := ok + 1;
        ELSIF res->>'status' = 'impossible' THEN
            RETURN NEXT format('NOTE: no row can be built for %s: %s', conformance.qname(v), res->>'reason');
        ELSIF left(res->>'sqlstate', 2) = '23' AND conformance.violation_is_hidden(v, res) THEN
            RETURN NEXT format('NOTE: insert into %s not allowed by that version: %s',
                               conformance.qname(v), res->>'message');
        ELSE
            RETURN NEXT format('FAIL: insert into %s: %s (SQLSTATE %s; %s)', conformance.qname(v),
                               res->>'message', res->>'sqlstate', res->>'stmt');
        END IF;
    END LOOP;
    PERFORM set_config('search_path', saved, true);
    RETURN NEXT format('NOTE: %s rows inserted through %s', ok, vs);
END $$;

/* ---------------------------------------------------------------------
 * "up" checks: what the pre-existing rows of a column must hold after
 * complete, evaluated on the rows before start
 * ---------------------------------------------------------------------
 */

/*
 * For each operation of the migration that fills a column of existing
 * rows -- add_column (up, else the default, else NULL), alter_column (up,
 * else the column itself), create_constraint and
 * drop_multicolumn_constraint (up per column, else the column itself),
 * drop_constraint (up, for the constraint's column) -- evaluate the
 * expression on every row now, with search_path = the schema and the
 * table under its own name.  Returns notes on what cannot be checked.
 */
CREATE FUNCTION conformance.prepare_up_checks(s text, doc jsonb) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    op     jsonb;
    kind   text;
    body   jsonb;
    rel    oid;
    c      record;
    kattn  int2[];
    kexp   text;
    saved  text := current_setting('search_path');
    col    text;
BEGIN
    DELETE FROM conformance.up_val WHERE id IN (SELECT id FROM conformance.up_check WHERE schema = s);
    DELETE FROM conformance.up_check WHERE schema = s;
    CREATE TEMP TABLE IF NOT EXISTS wanted (tbl text, target text, expr text, source text);
    TRUNCATE wanted;
    FOR op IN SELECT jsonb_array_elements(doc->'operations') LOOP
        SELECT key, value INTO kind, body FROM jsonb_each(op) LIMIT 1;
        IF kind = 'add_column' THEN
            CONTINUE WHEN body->'column' ? 'generated' OR body->'column'->>'type' ~* 'serial';
            INSERT INTO wanted VALUES (body->>'table', body->'column'->>'name',
                coalesce(body->>'up', body->'column'->>'default', 'NULL'), kind);
        ELSIF kind = 'alter_column' THEN
            INSERT INTO wanted VALUES (body->>'table', coalesce(body->>'name', body->>'column'),
                coalesce(body->>'up', quote_ident(body->>'column')), kind);
        ELSIF kind IN ('create_constraint', 'drop_multicolumn_constraint') THEN
            INSERT INTO wanted
            SELECT body->>'table', x, coalesce(body->'up'->>x, quote_ident(x)), kind
            FROM (SELECT jsonb_array_elements_text(body->'columns') x
                  UNION SELECT jsonb_object_keys(coalesce(body->'up', '{}'))) cols;
        ELSIF kind = 'drop_constraint' THEN
            SELECT a.attname INTO col
            FROM pg_constraint con JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
            WHERE con.conrelid = to_regclass(quote_ident(s) || '.' || quote_ident(body->>'table'))
              AND con.conname = body->>'name' AND cardinality(con.conkey) = 1;
            IF col IS NULL THEN
                RETURN NEXT format('up check: no single-column constraint %s on %s', body->>'name', body->>'table');
                CONTINUE;
            END IF;
            INSERT INTO wanted VALUES (body->>'table', col, coalesce(body->>'up', quote_ident(col)), kind);
        END IF;
    END LOOP;

    PERFORM set_config('search_path', quote_ident(s), true);
    FOR c IN SELECT * FROM wanted LOOP
        rel := to_regclass(quote_ident(s) || '.' || quote_ident(c.tbl));
        CONTINUE WHEN rel IS NULL;          -- a table of this migration: no old rows
        kattn := conformance.key_attnums(rel);
        IF kattn IS NULL THEN
            RETURN NEXT format('up check of %s.%s: the table has no key', c.tbl, c.target);
            CONTINUE;
        END IF;
        kexp := conformance.key_expr(rel, kattn, c.tbl);
        INSERT INTO conformance.up_check (schema, relid, relname, target, expr, source, key_names)
        VALUES (s, rel, c.tbl, c.target, c.expr, c.source,
                ARRAY(SELECT a.attname::text FROM unnest(kattn) WITH ORDINALITY k(n, o)
                      JOIN pg_attribute a ON a.attrelid = rel AND a.attnum = k.n ORDER BY k.o));
        BEGIN
            -- the table under its own name, as "up" may qualify its columns
            EXECUTE format('INSERT INTO conformance.up_val SELECT %s, %s, (%s)::text, (%s)::text FROM %s AS %I',
                           currval('conformance.up_check_id_seq'), kexp, c.expr, c.expr,
                           conformance.qname(rel), c.tbl);
        EXCEPTION WHEN OTHERS THEN
            RETURN NEXT format('up check of %s.%s: cannot evaluate %s: %s', c.tbl, c.target, c.expr, SQLERRM);
            DELETE FROM conformance.up_check WHERE id = currval('conformance.up_check_id_seq');
        END;
    END LOOP;
    PERFORM set_config('search_path', saved, true);
END $$;

/*
 * After complete: every row that existed before start is there (by key)
 * and its column holds the expression's value (cast to the column's
 * type), or, for a volatile expression (the two evaluations differed),
 * is NULL exactly when the expression gave NULL.
 */
CREATE FUNCTION conformance.verify_up_checks(s text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    c        conformance.up_check;
    typ      text;
    volatile boolean;
    kexp     text;
    lost     bigint;
    bad      bigint;
    example  text;
BEGIN
    FOR c IN SELECT * FROM conformance.up_check u WHERE u.schema = s ORDER BY id LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = c.relid) THEN
            RETURN NEXT format('up check: table %s is gone', c.relname);
            CONTINUE;
        END IF;
        SELECT format_type(a.atttypid, a.atttypmod) INTO typ FROM pg_attribute a
        WHERE a.attrelid = c.relid AND a.attname = c.target AND NOT a.attisdropped;
        IF typ IS NULL THEN
            RETURN NEXT format('up check: column %s.%s does not exist after complete', c.relid::regclass, c.target);
            CONTINUE;
        END IF;
        SELECT 'jsonb_build_array(' || string_agg(format('t.%I::text', kn), ', ' ORDER BY o) || ')::text'
        INTO kexp FROM unnest(c.key_names) WITH ORDINALITY k(kn, o);
        SELECT bool_or(e1 IS DISTINCT FROM e2) INTO volatile FROM conformance.up_val WHERE id = c.id;
        BEGIN
            EXECUTE format(
                'SELECT count(*) FILTER (WHERE cur.k IS NULL),
                        count(*) FILTER (WHERE cur.k IS NOT NULL AND %s),
                        min(CASE WHEN cur.k IS NOT NULL AND %s THEN u.k || '': '' || coalesce(cur.val::text, ''NULL'') || '' instead of '' || coalesce(u.e1, ''NULL'') END)
                 FROM conformance.up_val u
                 LEFT JOIN (SELECT %s AS k, t.%I AS val FROM %s t) cur ON cur.k = u.k
                 WHERE u.id = %s',
                CASE WHEN volatile THEN '(cur.val IS NULL) <> (u.e1 IS NULL)'
                     ELSE format('cur.val IS DISTINCT FROM u.e1::%s', typ) END,
                CASE WHEN volatile THEN '(cur.val IS NULL) <> (u.e1 IS NULL)'
                     ELSE format('cur.val IS DISTINCT FROM u.e1::%s', typ) END,
                kexp, c.target, conformance.qname(c.relid), c.id)
            INTO lost, bad, example;
        EXCEPTION WHEN OTHERS THEN
            RETURN NEXT format('up check of %s.%s (%s): %s', c.relname, c.target, c.expr, SQLERRM);
            CONTINUE;
        END;
        IF lost > 0 OR bad > 0 THEN
            RETURN NEXT format('%s of %s.%s = %s: %s old rows lost, %s rows wrong (e.g. %s)',
                               c.source, c.relid::regclass, c.target, c.expr, lost, bad, example);
        ELSE
            RETURN NEXT format('NOTE: %s of %s.%s = %s: %s old rows checked%s', c.source,
                               c.relid::regclass, c.target, c.expr,
                               (SELECT count(*) FROM conformance.up_val WHERE id = c.id),
                               CASE WHEN volatile THEN ' (volatile: NULL or not)' ELSE '' END);
        END IF;
    END LOOP;
END $$;

-- "relid.attname" of the columns the up checks cover (their values change)
CREATE FUNCTION conformance.up_targets(s text) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(relid || '.' || target), '{}') FROM conformance.up_check u WHERE u.schema = s
$$;

/* ---------------------------------------------------------------------
 * pgroll calls that report instead of raising
 * ---------------------------------------------------------------------
 */
CREATE FUNCTION conformance.try_start(doc jsonb, m text, s text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    RETURN jsonb_build_object('ok', true, 'result', pgroll.start(doc, m, s));
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN jsonb_build_object('ok', false, 'sqlstate', st, 'message', msg, 'detail', det);
END $$;

CREATE FUNCTION conformance.try_complete(s text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    RETURN jsonb_build_object('ok', true, 'result', pgroll.complete(s));
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN jsonb_build_object('ok', false, 'sqlstate', st, 'message', msg, 'detail', det);
END $$;

CREATE FUNCTION conformance.try_rollback(s text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    RETURN jsonb_build_object('ok', true, 'result', pgroll.rollback(s));
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN jsonb_build_object('ok', false, 'sqlstate', st, 'message', msg, 'detail', det);
END $$;
