-- app_roles: privileges follow the data.  Application roles that can use
-- the base schema and its tables use every version the same way, with no
-- GRANT after a start: table grants, column grants (mapped through
-- renames and onto column copies), row-level security; a version with a
-- backfill opens to them only when the backfill is done; after complete
-- the table's privileges are what they were.
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS ar, ar_01_rename, ar_02_wider, ar_04_points CASCADE;
DROP ROLE IF EXISTS pgroll_ar_owner, pgroll_ar_reader, pgroll_ar_writer, pgroll_ar_cols, pgroll_ar_outsider;
RESET client_min_messages;
CREATE ROLE pgroll_ar_owner;
CREATE ROLE pgroll_ar_reader;
CREATE ROLE pgroll_ar_writer;
CREATE ROLE pgroll_ar_cols;
CREATE ROLE pgroll_ar_outsider;
GRANT CREATE ON DATABASE pgroll_regress TO pgroll_ar_owner;
CREATE SCHEMA ar AUTHORIZATION pgroll_ar_owner;

SET ROLE pgroll_ar_owner;
CREATE TABLE ar.accounts (
    id int PRIMARY KEY,
    name text NOT NULL,
    balance int NOT NULL,
    secret text,
    tenant name NOT NULL DEFAULT current_user);
INSERT INTO ar.accounts VALUES
    (1, 'reader one', 10, 's1', 'pgroll_ar_reader'),
    (2, 'writer two', 20, 's2', 'pgroll_ar_writer'),
    (3, 'cols three', 30, 's3', 'pgroll_ar_cols'),
    (4, 'nobody four', 40, 's4', 'someone else');
-- each application role sees its own tenant's rows only
ALTER TABLE ar.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON ar.accounts USING (tenant = current_user);
GRANT USAGE ON SCHEMA ar TO pgroll_ar_reader, pgroll_ar_writer, pgroll_ar_cols;
GRANT SELECT ON ar.accounts TO pgroll_ar_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ar.accounts TO pgroll_ar_writer;
GRANT SELECT (id, name, balance), UPDATE (name) ON ar.accounts TO pgroll_ar_cols;
-- a table without row-level security, where a role has column grants only
CREATE TABLE ar.profiles (id int PRIMARY KEY, nick text, score int, private_note text);
INSERT INTO ar.profiles VALUES (1, 'one', 10, 'n1'), (2, 'two', 20, 'n2');
GRANT SELECT (id, nick, score), UPDATE (nick) ON ar.profiles TO pgroll_ar_cols;
GRANT SELECT, INSERT ON ar.profiles TO pgroll_ar_writer;
CREATE TEMP VIEW acl AS
SELECT a.attname, pg_catalog.array_to_string(a.attacl, ' ') AS column_acl
FROM pg_attribute a WHERE a.attrelid = 'ar.accounts'::regclass AND a.attnum > 0
  AND NOT a.attisdropped AND a.attacl IS NOT NULL ORDER BY a.attname;
SELECT relacl FROM pg_class WHERE oid = 'ar.accounts'::regclass;
SELECT * FROM acl;

-- 1. no backfill: the version opens when start commits
SELECT pgroll.start('{"operations": [{"rename_column": {"table": "accounts", "from": "name", "to": "full_name"}},
                                     {"rename_column": {"table": "profiles", "from": "nick", "to": "nickname"}}]}',
                    '01_rename', 'ar');
-- the views check the client's rights on the tables, as they are now
SELECT c.relname, c.reloptions FROM pg_class c
WHERE c.relnamespace = 'ar_01_rename'::regnamespace ORDER BY 1;
SELECT nspacl FROM pg_namespace WHERE nspname = 'ar_01_rename';
SELECT relacl FROM pg_class WHERE oid = 'ar_01_rename.accounts'::regclass;
SELECT a.attname, a.attacl FROM pg_attribute a
WHERE a.attrelid = 'ar_01_rename.accounts'::regclass AND a.attacl IS NOT NULL ORDER BY 1;
RESET ROLE;

SET ROLE pgroll_ar_reader;
SELECT id, full_name, balance FROM ar_01_rename.accounts;
INSERT INTO ar_01_rename.accounts (id, full_name, balance) VALUES (9, 'x', 1);
:e
RESET ROLE;
SET ROLE pgroll_ar_writer;
INSERT INTO ar_01_rename.accounts (id, full_name, balance) VALUES (5, 'writer five', 50);
UPDATE ar_01_rename.accounts SET balance = balance + 1;
SELECT id, full_name, balance, tenant FROM ar_01_rename.accounts ORDER BY id;
-- the old version, at the same time
SELECT id, name, balance FROM ar.accounts ORDER BY id;
RESET ROLE;
-- the view has the column grants under the version's names
SELECT a.attname, a.attacl FROM pg_attribute a
WHERE a.attrelid = 'ar_01_rename.profiles'::regclass AND a.attacl IS NOT NULL ORDER BY 1;
-- (but PostgreSQL checks a security_invoker view's client for every column
-- of the table the view shows: a role with column grants only cannot use
-- the view; it keeps using the base table)
SET ROLE pgroll_ar_cols;
SELECT id, nickname, score FROM ar_01_rename.profiles ORDER BY id;
:e
SELECT id, nick, score FROM ar.profiles ORDER BY id;
RESET ROLE;
-- a REVOKE on the table after start counts through the views at once (the
-- views drop the grant too)
SET ROLE pgroll_ar_owner;
REVOKE ALL ON ar.profiles FROM pgroll_ar_writer;
RESET ROLE;
SET ROLE pgroll_ar_writer;
SELECT count(*) FROM ar_01_rename.profiles;
:e
RESET ROLE;
SET ROLE pgroll_ar_outsider;
SELECT count(*) FROM ar_01_rename.accounts;
:e
RESET ROLE;

SET ROLE pgroll_ar_owner;
SELECT pgroll.complete('ar');
SELECT relacl FROM pg_class WHERE oid = 'ar.accounts'::regclass;
SELECT * FROM acl;
RESET ROLE;

-- 2. a backfill: the version opens to the application roles when it is done,
-- also to roles that default privileges would let in at once
SET ROLE pgroll_ar_owner;
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO pgroll_ar_outsider;
SET pgroll.backfill_batch_size = 1;
SET pgroll.backfill_batch_delay = 200;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "accounts", "column": "balance",
    "type": "bigint", "up": "balance * 100", "down": "balance / 100"}},
    {"alter_column": {"table": "profiles", "column": "score", "type": "bigint",
    "up": "score", "down": "score"}}]}', '02_wider', 'ar');
RESET pgroll.backfill_batch_size;
RESET pgroll.backfill_batch_delay;
-- the copy has the column's grants
SELECT a.attname, a.attacl FROM pg_attribute a
WHERE a.attrelid = 'ar.accounts'::regclass AND a.attname LIKE '%balance' ORDER BY 1;
SELECT count(*) AS open_to FROM pg_namespace n, aclexplode(n.nspacl) x
WHERE n.nspname = 'ar_02_wider' AND x.grantee <> n.nspowner;
ALTER DEFAULT PRIVILEGES REVOKE USAGE ON SCHEMAS FROM pgroll_ar_outsider;
RESET ROLE;
SET ROLE pgroll_ar_writer;
SELECT balance FROM ar_02_wider.accounts;
:e
RESET ROLE;
SELECT phase FROM pgroll.status('ar');
CALL pgroll.wait('ar');
SELECT phase FROM pgroll.status('ar');
SELECT nspacl FROM pg_namespace WHERE nspname = 'ar_02_wider';
SET ROLE pgroll_ar_writer;
SELECT id, full_name, balance FROM ar_02_wider.accounts ORDER BY id;
INSERT INTO ar_02_wider.accounts (id, full_name, balance) VALUES (6, 'writer six', 6000);
SELECT id, full_name, balance FROM ar_01_rename.accounts ORDER BY id;
RESET ROLE;
SET ROLE pgroll_ar_owner;
SELECT pgroll.complete('ar');
-- the table's privileges are what they were, column grants included
SELECT relacl FROM pg_class WHERE oid = 'ar.accounts'::regclass;
SELECT * FROM acl;
RESET ROLE;
SET ROLE pgroll_ar_cols;
SELECT id, nickname, score FROM ar.profiles ORDER BY id;
RESET ROLE;

-- 3. rollback leaves no grant behind
SET ROLE pgroll_ar_owner;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "accounts", "column": "full_name",
    "type": "varchar(100)", "up": "full_name", "down": "full_name"}}]}', '03_varchar', 'ar');
SELECT pgroll.rollback('ar');
SELECT relacl FROM pg_class WHERE oid = 'ar.accounts'::regclass;
SELECT * FROM acl;
RESET ROLE;

-- 4. the tables change hands: the new owner's migration completes, and
-- retires and drops the versions another role made
ALTER TABLE ar.accounts OWNER TO pgroll_ar_reader;
ALTER TABLE ar.profiles OWNER TO pgroll_ar_reader;
GRANT CREATE ON SCHEMA ar TO pgroll_ar_reader;
GRANT CREATE ON DATABASE pgroll_regress TO pgroll_ar_reader;
SET ROLE pgroll_ar_reader;
SELECT pgroll.start('{"operations": [{"rename_column": {"table": "profiles", "from": "score", "to": "points"}}]}',
                    '04_points', 'ar');
SELECT pgroll.complete('ar');
RESET ROLE;
SELECT nspname, nspowner::regrole, obj_description(oid, 'pg_namespace') AS comment
FROM pg_namespace WHERE nspname LIKE 'ar\_%' ORDER BY 1;

-- grants made while a migration is active follow too: a table grant, a
-- column grant (onto the copy of a rewritten column, and the view's column
-- under its new name), GRANT ... ON ALL TABLES IN SCHEMA, and a revoke
RESET ROLE;
CREATE SCHEMA arl AUTHORIZATION pgroll_ar_owner;
GRANT USAGE ON SCHEMA arl TO pgroll_ar_reader, pgroll_ar_cols, pgroll_ar_outsider;
SET ROLE pgroll_ar_owner;
CREATE TABLE arl.notes (id int PRIMARY KEY, body text, score int);
INSERT INTO arl.notes SELECT g, 'note ' || g, g FROM generate_series(1, 10) g;
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "notes", "column": "score", "type": "bigint", "up": "score", "down": "score::int"}},
    {"rename_column": {"table": "notes", "from": "body", "to": "text"}}]}', '01_late', 'arl');
CALL pgroll.wait('arl');
SET search_path = arl;
GRANT SELECT ON notes TO pgroll_ar_reader;
GRANT SELECT (id, body, score) ON notes TO pgroll_ar_cols;
RESET search_path;
SET ROLE pgroll_ar_reader;
SELECT count(*) AS reader_new FROM arl_01_late.notes;
SET ROLE pgroll_ar_cols;
SELECT count(*) AS cols_base FROM arl.notes;
SET ROLE pgroll_ar_owner;
SELECT attname, attacl FROM pg_attribute
WHERE attrelid = 'arl_01_late.notes'::regclass AND attnum > 0 ORDER BY attnum;
SELECT attname, attacl FROM pg_attribute
WHERE attrelid = 'arl.notes'::regclass AND attname = '_pgroll_new_score';
GRANT SELECT ON ALL TABLES IN SCHEMA arl TO pgroll_ar_outsider;
SET ROLE pgroll_ar_outsider;
SELECT count(*) AS outsider_new FROM arl_01_late.notes;
SET ROLE pgroll_ar_owner;
REVOKE SELECT ON arl.notes FROM pgroll_ar_reader, pgroll_ar_outsider;
SET ROLE pgroll_ar_reader;
SELECT count(*) FROM arl_01_late.notes;
:e
SET ROLE pgroll_ar_owner;
SELECT relacl FROM pg_class WHERE oid = 'arl_01_late.notes'::regclass;
-- USAGE on the base schema, granted or revoked meanwhile, reaches the version schema
REVOKE USAGE ON SCHEMA arl FROM pgroll_ar_cols;
GRANT USAGE ON SCHEMA arl TO pgroll_ar_writer;
SELECT nspacl FROM pg_namespace WHERE nspname = 'arl_01_late';
SET ROLE pgroll_ar_cols;
SELECT count(*) FROM arl_01_late.notes;
:e
SET ROLE pgroll_ar_owner;
SELECT pgroll.complete('arl');
SELECT attname, attacl FROM pg_attribute
WHERE attrelid = 'arl.notes'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attname;
RESET ROLE;
SET client_min_messages = warning;
DROP SCHEMA arl, arl_01_late CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'arl';
RESET client_min_messages;

SET client_min_messages = warning;
DROP SCHEMA ar, ar_02_wider, ar_04_points CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'ar';
REVOKE CREATE ON DATABASE pgroll_regress FROM pgroll_ar_owner, pgroll_ar_reader;
DROP ROLE pgroll_ar_owner, pgroll_ar_reader, pgroll_ar_writer, pgroll_ar_cols, pgroll_ar_outsider;
