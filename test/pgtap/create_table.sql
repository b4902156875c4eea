-- pgTAP tests for the create_table operation.
--
-- Cycle: 01_customers (create_table, started and completed) is the base;
-- 02_orders creates four tables covering every column and table-constraint
-- feature; it is started, checked, rolled back, checked, started again,
-- completed and checked.  03_quoted covers names that need quoting and a
-- serial, self-referencing table; then documents that must be refused.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
SELECT plan(128);
CREATE SCHEMA tap_create_table;

-- the shared helpers: snapshot(), pgroll_leftovers(), error catching
\ir helpers.psql

-- Migration documents of this file, by id
CREATE TEMP TABLE docs (id text PRIMARY KEY, doc jsonb NOT NULL);

INSERT INTO docs VALUES
('01_customers', $j${"name": "01_customers", "operations": [
  {"create_table": {"name": "customers", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "email", "type": "text", "unique": true},
     {"name": "nickname", "type": "text", "nullable": true}]}}]}$j$),
('02_orders', $j${"name": "02_orders", "operations": [
  {"create_table": {"name": "orders", "comment": "customer orders", "columns": [
     {"name": "customer_id", "type": "integer", "pk": true,
      "references": {"name": "orders_customer_fk", "table": "customers", "column": "id",
                     "on_delete": "CASCADE", "on_update": "CASCADE"}},
     {"name": "order_no", "type": "integer", "pk": true},
     {"name": "status", "type": "text", "default": "'new'", "comment": "order status",
      "check": {"name": "orders_status_check", "constraint": "status IN ('new', 'paid')"}},
     {"name": "note", "type": "text", "nullable": true},
     {"name": "amount", "type": "numeric(10,2)",
      "check": {"name": "orders_amount_positive", "constraint": "amount > 0", "no_inherit": true}},
     {"name": "amount_cents", "type": "bigint", "generated": {"expression": "(amount * 100)::bigint"}}],
   "constraints": [
     {"name": "orders_note_short", "type": "check", "check": "note IS NULL OR length(note) <= 20"}]}},
  {"create_table": {"name": "payments", "columns": [
     {"name": "id", "type": "bigint", "pk": true,
      "generated": {"identity": {"user_specified_values": "ALWAYS", "sequence_options": "START 100 INCREMENT 5"}}},
     {"name": "customer_id", "type": "integer", "nullable": true,
      "references": {"name": "payments_customer_fk", "table": "customers", "column": "id",
                     "on_delete": "SET NULL"}},
     {"name": "order_customer", "type": "integer", "nullable": true},
     {"name": "order_no", "type": "integer", "nullable": true},
     {"name": "ref_code", "type": "text", "nullable": true, "unique": true}],
   "constraints": [
     {"name": "payments_order_fk", "type": "foreign_key", "columns": ["order_customer", "order_no"],
      "references": {"table": "orders", "columns": ["customer_id", "order_no"], "match_type": "FULL"}}]}},
  {"create_table": {"name": "shipments", "columns": [
     {"name": "id", "type": "integer", "pk": true,
      "generated": {"identity": {"user_specified_values": "BY DEFAULT", "sequence_options": "START 10 INCREMENT 10"}}},
     {"name": "customer_id", "type": "integer", "nullable": true,
      "references": {"name": "shipments_customer_fk", "table": "customers", "column": "id",
                     "deferrable": true, "initially_deferred": true}},
     {"name": "order_customer", "type": "integer", "nullable": true},
     {"name": "order_no", "type": "integer", "nullable": true},
     {"name": "tracking", "type": "text", "nullable": true},
     {"name": "carrier", "type": "text", "nullable": true},
     {"name": "weight", "type": "integer", "nullable": true}],
   "constraints": [
     {"name": "shipments_order_fk", "type": "foreign_key", "columns": ["order_customer", "order_no"],
      "references": {"table": "orders", "columns": ["customer_id", "order_no"],
                     "on_delete": "SET NULL", "on_delete_set_columns": ["order_no"]}},
     {"name": "shipments_tracking_key", "type": "unique", "columns": ["tracking"],
      "nulls_not_distinct": true,
      "index_parameters": {"include_columns": ["carrier"], "storage_parameters": "fillfactor=70"}},
     {"name": "shipments_weight_check", "type": "check", "check": "weight > 0", "no_inherit": true},
     {"name": "shipments_heavy_carrier_excl", "type": "exclude",
      "exclude": {"index_method": "btree", "elements": "carrier WITH =",
                  "predicate": "carrier IS NOT NULL AND weight > 100"}}]}},
  {"create_table": {"name": "line_items", "columns": [
     {"name": "order_customer", "type": "integer"},
     {"name": "order_no", "type": "integer"},
     {"name": "line", "type": "integer"},
     {"name": "qty", "type": "integer", "default": "1"}],
   "constraints": [
     {"name": "line_items_pk", "type": "primary_key", "columns": ["order_customer", "order_no", "line"]},
     {"name": "line_items_order_fk", "type": "foreign_key", "columns": ["order_customer", "order_no"],
      "references": {"table": "orders", "columns": ["customer_id", "order_no"], "on_delete": "CASCADE"},
      "deferrable": true}]}}]}$j$),
('03_quoted', $j${"name": "03_quoted", "operations": [
  {"create_table": {"name": "Order Items", "comment": "it's quoted", "columns": [
     {"name": "Item ID", "type": "integer", "pk": true},
     {"name": "Größe", "type": "text", "nullable": true, "comment": "size, in German"}]}},
  {"create_table": {"name": "categories", "columns": [
     {"name": "id", "type": "serial", "pk": true},
     {"name": "parent_id", "type": "integer", "nullable": true,
      "references": {"name": "categories_parent_fk", "table": "categories", "column": "id", "on_delete": "CASCADE"}},
     {"name": "label", "type": "text", "default": "'it''s'"}]}}]}$j$),
('bad_missing_ref', $j${"name": "bad_missing_ref", "operations": [
  {"create_table": {"name": "bad1", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "x", "type": "integer", "references": {"name": "bad1_x_fk", "table": "no_such_table", "column": "id"}}]}}]}$j$),
('bad_missing_ref_col', $j${"name": "bad_missing_ref_col", "operations": [
  {"create_table": {"name": "bad2", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "x", "type": "integer", "references": {"name": "bad2_x_fk", "table": "customers", "column": "no_such_column"}}]}}]}$j$),
('bad_dup_column', $j${"name": "bad_dup_column", "operations": [
  {"create_table": {"name": "bad3", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "id", "type": "text"}]}}]}$j$),
('bad_pk_twice', $j${"name": "bad_pk_twice", "operations": [
  {"create_table": {"name": "bad4", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "code", "type": "text"}],
   "constraints": [{"name": "bad4_pk", "type": "primary_key", "columns": ["code"]}]}}]}$j$),
('bad_exists', $j${"name": "bad_exists", "operations": [
  {"create_table": {"name": "customers", "columns": [{"name": "id", "type": "integer", "pk": true}]}}]}$j$),
('bad_twice_in_one', $j${"name": "bad_twice_in_one", "operations": [
  {"create_table": {"name": "bad5", "columns": [{"name": "id", "type": "integer", "pk": true}]}},
  {"create_table": {"name": "bad5", "columns": [{"name": "id", "type": "integer", "pk": true}]}}]}$j$);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                              'tap_create_table', id)) $f$;
CREATE FUNCTION pg_temp.start_error(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.error_of(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                                  'tap_create_table', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_create_table')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_create_table')$$) $f$;

-- roll back a migration that a wrongly accepted document left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_create_table') THEN
        PERFORM pgroll.rollback('tap_create_table');
    END IF;
END $f$;

-- ---------------------------------------------------------------------
-- 01_customers: the base table, started and completed
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('01_customers'), 'tap_create_table_01_customers',
          'start 01_customers returns its version schema');
SELECT is(pg_temp.complete(), '01_customers', 'complete 01_customers');
INSERT INTO tap_create_table_01_customers.customers (id, email, nickname)
VALUES (1, 'a@example.com', 'ann'), (2, 'b@example.com', NULL),
       (3, 'c@example.com', NULL), (4, 'd@example.com', 'dan');

CREATE TEMP TABLE snap_before AS SELECT pg_temp.snapshot('tap_create_table') AS s;

-- ---------------------------------------------------------------------
-- 02_orders: start
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_orders'), 'tap_create_table_02_orders',
          'start 02_orders returns its version schema');
SELECT has_schema('tap_create_table_02_orders', 'new version schema exists during the migration');
SELECT has_schema('tap_create_table_01_customers', 'previous version schema still exists during the migration');
SELECT has_view('tap_create_table_02_orders', 'orders', 'new version has a view for orders');
SELECT has_view('tap_create_table_02_orders', 'payments', 'new version has a view for payments');
SELECT has_view('tap_create_table_02_orders', 'shipments', 'new version has a view for shipments');
SELECT has_view('tap_create_table_02_orders', 'line_items', 'new version has a view for line_items');
SELECT has_view('tap_create_table_02_orders', 'customers', 'new version still has a view for customers');
SELECT hasnt_view('tap_create_table_01_customers', 'orders', 'old version has no view for the new table');

SELECT is(pg_temp.cols('tap_create_table_02_orders.orders'),
          ARRAY['customer_id', 'order_no', 'status', 'note', 'amount', 'amount_cents']::name[],
          'orders view has the columns in definition order');
SELECT is(pg_temp.cols('tap_create_table_02_orders.payments'),
          ARRAY['id', 'customer_id', 'order_customer', 'order_no', 'ref_code']::name[],
          'payments view has the columns in definition order');
SELECT is(pg_temp.cols('tap_create_table_02_orders.shipments'),
          ARRAY['id', 'customer_id', 'order_customer', 'order_no', 'tracking', 'carrier', 'weight']::name[],
          'shipments view has the columns in definition order');
SELECT is(pg_temp.cols('tap_create_table_02_orders.line_items'),
          ARRAY['order_customer', 'order_no', 'line', 'qty']::name[],
          'line_items view has the columns in definition order');
SELECT is((SELECT reloptions FROM pg_class WHERE oid = 'tap_create_table_02_orders.orders'::regclass),
          ARRAY['security_invoker=true'],
          'the orders view is security_invoker');

-- the base tables
SELECT has_table('tap_create_table', 'orders', 'base table orders is created at start');
SELECT has_pk('tap_create_table', 'orders', 'orders has a primary key');
SELECT col_is_pk('tap_create_table', 'orders', ARRAY['customer_id', 'order_no']::name[],
                 'two pk columns make a composite primary key');
SELECT col_is_pk('tap_create_table', 'line_items', ARRAY['order_customer', 'order_no', 'line']::name[],
                 'a primary_key table constraint makes a composite primary key');
SELECT is((SELECT conname::text FROM pg_constraint
           WHERE conrelid = 'tap_create_table.line_items'::regclass AND contype = 'p'),
          'line_items_pk', 'the primary_key table constraint keeps its name');
SELECT col_not_null('tap_create_table', 'orders', 'amount', 'a column is NOT NULL unless nullable is given');
SELECT col_not_null('tap_create_table', 'orders', 'status', 'a column with a default is NOT NULL by default too');
SELECT col_is_null('tap_create_table', 'orders', 'note', 'nullable: true makes the column nullable');
SELECT col_is_null('tap_create_table', 'payments', 'customer_id', 'a nullable FK column is nullable');
SELECT col_type_is('tap_create_table', 'orders', 'amount', 'numeric(10,2)', 'the column type is taken verbatim');
SELECT col_default_is('tap_create_table', 'orders', 'status', 'new'::text, 'the column default is set');
SELECT col_has_default('tap_create_table', 'line_items', 'qty', 'line_items.qty has a default');
SELECT is((SELECT attgenerated::text FROM pg_attribute
           WHERE attrelid = 'tap_create_table.orders'::regclass AND attname = 'amount_cents'),
          's', 'generated expression column is GENERATED ... STORED');
SELECT is((SELECT attidentity::text FROM pg_attribute
           WHERE attrelid = 'tap_create_table.payments'::regclass AND attname = 'id'),
          'a', 'identity with user_specified_values ALWAYS is GENERATED ALWAYS');
SELECT is((SELECT attidentity::text FROM pg_attribute
           WHERE attrelid = 'tap_create_table.shipments'::regclass AND attname = 'id'),
          'd', 'identity with user_specified_values BY DEFAULT is GENERATED BY DEFAULT');
SELECT results_eq(
    $$SELECT conname::text COLLATE "default", condeferrable, condeferred FROM pg_constraint
      WHERE conname IN ('shipments_customer_fk', 'line_items_order_fk', 'payments_order_fk', 'orders_customer_fk')
        AND connamespace = 'tap_create_table'::regnamespace ORDER BY 1$$,
    $$VALUES ('line_items_order_fk', true, false), ('orders_customer_fk', false, false),
             ('payments_order_fk', false, false), ('shipments_customer_fk', true, true)$$,
    'deferrable / initially_deferred are honoured on column and table foreign keys');

-- data through the new version
SELECT lives_ok($$INSERT INTO tap_create_table_02_orders.orders (customer_id, order_no, amount)
                  VALUES (1, 1, 12.34), (1, 2, 5), (2, 1, 7.50)$$,
                'insert through the new orders view');
SELECT results_eq(
    $$SELECT customer_id, order_no, status, note, amount, amount_cents
      FROM tap_create_table_02_orders.orders ORDER BY 1, 2$$,
    $$VALUES (1, 1, 'new', NULL::text, 12.34, 1234::bigint), (1, 2, 'new', NULL, 5.00, 500),
             (2, 1, 'new', NULL, 7.50, 750)$$,
    'default and generated column are filled for rows inserted through the view');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.orders (customer_id, order_no, status, amount)
                   VALUES (1, 3, 'bogus', 1)$$, '23514', NULL, 'column check rejects a bad status');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.orders (customer_id, order_no, amount)
                   VALUES (1, 3, 0)$$, '23514', NULL, 'no_inherit column check rejects amount 0');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.orders (customer_id, order_no, amount, note)
                   VALUES (1, 3, 1, repeat('x', 21))$$, '23514', NULL, 'table check rejects a long note');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.orders (customer_id, order_no, amount)
                   VALUES (1, 3, NULL)$$, '23502', NULL, 'NOT NULL (the default) rejects a NULL amount');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.orders (customer_id, order_no, status, amount)
                   VALUES (1, 3, NULL, 1)$$, '23502', NULL, 'a defaulted column is still NOT NULL');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.orders (customer_id, order_no, amount)
                   VALUES (99, 1, 1)$$, '23503', NULL, 'column FK rejects an unknown customer');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.orders (customer_id, order_no, amount)
                   VALUES (1, 1, 1)$$, '23505', NULL, 'composite primary key rejects a duplicate');

SELECT lives_ok($$INSERT INTO tap_create_table_02_orders.payments (customer_id, order_customer, order_no, ref_code)
                  VALUES (2, 1, 1, 'R1'), (3, NULL, NULL, NULL), (3, NULL, NULL, NULL)$$,
                'insert through the new payments view (identity ALWAYS generates the id)');
SELECT results_eq($$SELECT id, customer_id FROM tap_create_table_02_orders.payments ORDER BY id$$,
                  $$VALUES (100::bigint, 2), (105, 3), (110, 3)$$,
                  'identity sequence_options START 100 INCREMENT 5 are applied');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.payments (id) VALUES (1)$$,
                 '428C9', NULL, 'GENERATED ALWAYS identity refuses a user value');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.payments (ref_code) VALUES ('R1')$$,
                 '23505', NULL, 'unique column rejects a duplicate');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.payments (order_customer, order_no) VALUES (1, NULL)$$,
                 '23503', NULL, 'MATCH FULL foreign key rejects a partly NULL key');

SELECT lives_ok($$INSERT INTO tap_create_table_02_orders.shipments
                    (customer_id, order_customer, order_no, tracking, carrier, weight)
                  VALUES (1, 1, 1, 'T1', 'dhl', 150), (2, 2, 1, NULL, 'ups', 5)$$,
                'insert through the new shipments view (identity BY DEFAULT generates the id)');
SELECT lives_ok($$INSERT INTO tap_create_table_02_orders.shipments (id, tracking, carrier, weight)
                  VALUES (500, 'T5', 'dhl', 90)$$,
                'identity BY DEFAULT accepts a user value; exclusion predicate false for light parcels');
SELECT is(pg_temp.sqlstate_of($$INSERT INTO tap_create_table_02_orders.shipments (customer_id, tracking) VALUES (99, 'T99')$$),
          'no error', 'initially deferred column FK does not check at insert');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.shipments (customer_id, tracking) VALUES (99, 'T99');
                   SET CONSTRAINTS tap_create_table.shipments_customer_fk IMMEDIATE$$,
                 '23503', NULL, 'initially deferred column FK rejects the row when checked');
-- fire the pending deferred FK checks now: DDL on a table with pending
-- trigger events is refused, and rollback drops this table
SET CONSTRAINTS ALL IMMEDIATE;
SELECT results_eq($$SELECT id, tracking FROM tap_create_table_02_orders.shipments ORDER BY id$$,
                  $$VALUES (10, 'T1'), (20, NULL), (500, 'T5')$$,
                  'identity sequence_options START 10 INCREMENT 10 are applied');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.shipments (tracking) VALUES (NULL)$$,
                 '23505', NULL, 'unique constraint with nulls_not_distinct rejects a second NULL');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.shipments (tracking, carrier, weight) VALUES ('T7', 'dhl', 200)$$,
                 '23P01', NULL, 'exclusion constraint rejects a second heavy parcel for the same carrier');
SELECT throws_ok($$INSERT INTO tap_create_table_02_orders.shipments (weight) VALUES (0)$$,
                 '23514', NULL, 'table check constraint rejects weight 0');

SELECT results_eq($$SELECT id, email FROM tap_create_table_01_customers.customers ORDER BY id$$,
                  $$VALUES (1, 'a@example.com'), (2, 'b@example.com'), (3, 'c@example.com'), (4, 'd@example.com')$$,
                  'old version still reads customers');
SELECT is(pg_temp.pgroll_leftovers('tap_create_table'), '', 'create_table adds no _pgroll_ objects');

-- ---------------------------------------------------------------------
-- 02_orders: rollback
-- ---------------------------------------------------------------------
SELECT is(pg_temp.rollback(), '02_orders', 'rollback 02_orders');
SELECT hasnt_schema('tap_create_table_02_orders', 'rollback drops the new version schema');
SELECT has_schema('tap_create_table_01_customers', 'rollback keeps the previous version schema');
SELECT hasnt_table('tap_create_table', 'orders', 'rollback drops orders');
SELECT hasnt_table('tap_create_table', 'shipments', 'rollback drops shipments');
SELECT is(pg_temp.snapshot('tap_create_table'), (SELECT s FROM snap_before),
          'after rollback the schema is exactly as before start');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_create_table' AND name = '02_orders'),
          0, 'rollback removes the history row');
SELECT is(pg_temp.pgroll_leftovers('tap_create_table'), '', 'no _pgroll_ objects after rollback');
SELECT results_eq($$SELECT id, nickname FROM tap_create_table_01_customers.customers ORDER BY id$$,
                  $$VALUES (1, 'ann'), (2, NULL), (3, NULL), (4, 'dan')$$,
                  'customers rows are untouched by the rollback');

-- ---------------------------------------------------------------------
-- 02_orders: start again and complete
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_orders'), 'tap_create_table_02_orders', 'start 02_orders again');
SELECT is(pg_temp.complete(), '02_orders', 'complete 02_orders');
SELECT ok(pg_temp.is_retired('tap_create_table_01_customers'), 'complete retires the previous version schema');
SELECT has_schema('tap_create_table_02_orders', 'the completed version schema stays');
SELECT has_view('tap_create_table_02_orders', 'orders', 'orders view exists after complete');
SELECT is(pg_temp.cols('tap_create_table_02_orders.shipments'),
          ARRAY['id', 'customer_id', 'order_customer', 'order_no', 'tracking', 'carrier', 'weight']::name[],
          'shipments view columns after complete');
SELECT is((SELECT done FROM pgroll.migrations WHERE schema = 'tap_create_table' AND name = '02_orders'),
          true, 'history row is done after complete');
SELECT is(pg_temp.pgroll_leftovers('tap_create_table'), '', 'no _pgroll_ objects after complete');
SELECT is((SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint
           WHERE connamespace = 'tap_create_table'::regnamespace),
          ARRAY['customers_email_key', 'customers_pkey',
                'line_items_order_fk', 'line_items_pk',
                'orders_amount_positive', 'orders_customer_fk', 'orders_note_short', 'orders_pkey', 'orders_status_check',
                'payments_customer_fk', 'payments_order_fk', 'payments_pkey', 'payments_ref_code_key',
                'shipments_customer_fk', 'shipments_heavy_carrier_excl', 'shipments_order_fk', 'shipments_pkey',
                'shipments_tracking_key', 'shipments_weight_check'],
          'constraint names are the given ones (and PostgreSQL''s for pk and unique columns)');
SELECT fk_ok('tap_create_table', 'orders', ARRAY['customer_id']::name[],
             'tap_create_table', 'customers', ARRAY['id']::name[], 'orders.customer_id references customers.id');
SELECT fk_ok('tap_create_table', 'payments', ARRAY['order_customer', 'order_no']::name[],
             'tap_create_table', 'orders', ARRAY['customer_id', 'order_no']::name[],
             'payments (order_customer, order_no) references orders (customer_id, order_no)');
SELECT results_eq(
    $$SELECT conname::text COLLATE "default", confdeltype::text, confupdtype::text, confmatchtype::text FROM pg_constraint
      WHERE contype = 'f' AND connamespace = 'tap_create_table'::regnamespace ORDER BY 1$$,
    $$VALUES ('line_items_order_fk', 'c', 'a', 's'), ('orders_customer_fk', 'c', 'c', 's'),
             ('payments_customer_fk', 'n', 'a', 's'), ('payments_order_fk', 'a', 'a', 'f'),
             ('shipments_customer_fk', 'a', 'a', 's'), ('shipments_order_fk', 'n', 'a', 's')$$,
    'foreign keys have the given on_delete, on_update and match_type (NO ACTION and SIMPLE by default)');
SELECT results_eq(
    $$SELECT conname::text COLLATE "default", connoinherit FROM pg_constraint
      WHERE contype = 'c' AND connamespace = 'tap_create_table'::regnamespace ORDER BY 1$$,
    $$VALUES ('orders_amount_positive', true), ('orders_note_short', false),
             ('orders_status_check', false), ('shipments_weight_check', true)$$,
    'no_inherit is honoured on column and table checks');
SELECT is(obj_description('tap_create_table.orders'::regclass, 'pg_class'), 'customer orders',
          'table comment is set');
SELECT is(col_description('tap_create_table.orders'::regclass, 3), 'order status', 'column comment is set');
SELECT is(pg_get_indexdef('tap_create_table.shipments_tracking_key'::regclass),
          'CREATE UNIQUE INDEX shipments_tracking_key ON tap_create_table.shipments USING btree (tracking) INCLUDE (carrier) NULLS NOT DISTINCT WITH (fillfactor=''70'')',
          'unique constraint index has INCLUDE, NULLS NOT DISTINCT and the storage parameters');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'shipments_heavy_carrier_excl'),
          'EXCLUDE USING btree (carrier WITH =) WHERE (((carrier IS NOT NULL) AND (weight > 100)))',
          'exclusion constraint has the index method, elements and predicate');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'shipments_order_fk'),
          'FOREIGN KEY (order_customer, order_no) REFERENCES tap_create_table.orders(customer_id, order_no) ON DELETE SET NULL (order_no)',
          'table foreign key with on_delete_set_columns');
SELECT results_eq($$SELECT start_value, increment_by FROM pg_sequences
                    WHERE schemaname = 'tap_create_table' AND sequencename = 'payments_id_seq'$$,
                  $$VALUES (100::bigint, 5::bigint)$$, 'identity sequence has the given options');

-- referential actions after complete, through the new version
SELECT lives_ok($$INSERT INTO tap_create_table_02_orders.orders (customer_id, order_no, amount)
                  VALUES (3, 1, 10), (3, 2, 20), (4, 1, 1);
                  INSERT INTO tap_create_table_02_orders.shipments (order_customer, order_no, tracking)
                  VALUES (3, 1, 'S31');
                  INSERT INTO tap_create_table_02_orders.line_items (order_customer, order_no, line)
                  VALUES (3, 1, 1), (3, 2, 1);
                  INSERT INTO tap_create_table_02_orders.payments (customer_id) VALUES (3)$$,
                'insert orders, a shipment, line items and a payment after complete');
SELECT results_eq($$SELECT qty FROM tap_create_table_02_orders.line_items ORDER BY order_no$$,
                  $$VALUES (1), (1)$$, 'line_items.qty default applies through the view');
SELECT lives_ok($$DELETE FROM tap_create_table_02_orders.orders WHERE customer_id = 3 AND order_no = 1$$,
                'delete an order that has a shipment and a line item');
SELECT results_eq($$SELECT order_customer, order_no FROM tap_create_table_02_orders.shipments WHERE tracking = 'S31'$$,
                  $$VALUES (3, NULL::int)$$, 'ON DELETE SET NULL (order_no) nulls only order_no');
SELECT results_eq($$SELECT order_customer, order_no, line FROM tap_create_table_02_orders.line_items$$,
                  $$VALUES (3, 2, 1)$$, 'ON DELETE CASCADE removes the line item of the deleted order');
SELECT lives_ok($$UPDATE tap_create_table_02_orders.customers SET id = 40 WHERE id = 4$$,
                'change a customer id');
SELECT results_eq($$SELECT customer_id, order_no FROM tap_create_table_02_orders.orders WHERE order_no = 1 AND customer_id >= 4$$,
                  $$VALUES (40, 1)$$, 'ON UPDATE CASCADE follows the customer id');
SELECT lives_ok($$DELETE FROM tap_create_table_02_orders.line_items WHERE order_customer = 3;
                  DELETE FROM tap_create_table_02_orders.customers WHERE id = 3$$,
                'delete customer 3');
SELECT results_eq($$SELECT count(*)::int FROM tap_create_table_02_orders.orders WHERE customer_id = 3$$,
                  $$VALUES (0)$$, 'column FK ON DELETE CASCADE removes the customer''s orders');
SELECT results_eq($$SELECT id, customer_id FROM tap_create_table_02_orders.payments ORDER BY id$$,
                  $$VALUES (100::bigint, NULL::int)$$,
                  'column FK ON DELETE SET NULL clears the payment''s customer (the sequence restarted with the table)');

-- ---------------------------------------------------------------------
-- 03_quoted: names that need quoting
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap_before_03 AS SELECT pg_temp.snapshot('tap_create_table') AS s;
SELECT is(pg_temp.start('03_quoted'), 'tap_create_table_03_quoted', 'start 03_quoted');
SELECT has_view('tap_create_table_03_quoted', 'Order Items', 'view for a table name with a space and capitals');
SELECT is(pg_temp.cols('tap_create_table_03_quoted."Order Items"'), ARRAY['Item ID', 'Größe']::name[],
          'quoted column names in the view');
SELECT lives_ok($$INSERT INTO tap_create_table_03_quoted."Order Items" ("Item ID", "Größe") VALUES (1, 'XL')$$,
                'insert through the quoted view');
SELECT results_eq($$SELECT "Item ID", "Größe" FROM tap_create_table."Order Items"$$,
                  $$VALUES (1, 'XL')$$, 'the row lands in the quoted base table');
SELECT is(obj_description('tap_create_table."Order Items"'::regclass, 'pg_class'), 'it''s quoted',
          'table comment with a quote');
SELECT is(col_description('tap_create_table."Order Items"'::regclass, 2), 'size, in German',
          'comment on the quoted column');
SELECT lives_ok($$INSERT INTO tap_create_table_03_quoted.categories (parent_id) VALUES (NULL);
                  INSERT INTO tap_create_table_03_quoted.categories (parent_id) VALUES (1)$$,
                'insert into a serial, self-referencing table through the view without giving the id');
SELECT results_eq($$SELECT id, parent_id, label FROM tap_create_table.categories ORDER BY id$$,
                  $$VALUES (1, NULL::int, 'it''s'), (2, 1, 'it''s')$$,
                  'the serial default and a quoted string default apply through the view');
SELECT lives_ok($$DELETE FROM tap_create_table_03_quoted.categories WHERE id = 1$$, 'delete the parent category');
SELECT is_empty($$SELECT 1 FROM tap_create_table.categories$$, 'the self-referencing FK cascades to the child');
SELECT has_sequence('tap_create_table', 'categories_id_seq', 'the serial column owns a sequence');
SELECT is(pg_temp.rollback(), '03_quoted', 'rollback 03_quoted');
SELECT hasnt_sequence('tap_create_table', 'categories_id_seq', 'rollback drops the serial sequence');
SELECT hasnt_table('tap_create_table', 'Order Items', 'rollback drops the quoted table');
SELECT is(pg_temp.snapshot('tap_create_table'), (SELECT s FROM snap_before_03),
          'after rollback of 03_quoted the schema is as before');
SELECT is(pg_temp.start('03_quoted'), 'tap_create_table_03_quoted', 'start 03_quoted again');
SELECT is(pg_temp.complete(), '03_quoted', 'complete 03_quoted');
SELECT col_is_pk('tap_create_table', 'Order Items', 'Item ID', 'the quoted column is the primary key');
SELECT col_type_is('tap_create_table', 'Order Items', 'Größe', 'text', 'the quoted column has its type');
SELECT ok(pg_temp.is_retired('tap_create_table_02_orders') AND to_regnamespace('tap_create_table_01_customers') IS NULL, 'complete of 03_quoted retires 02_orders''s version schema and drops the one retired before');

-- ---------------------------------------------------------------------
-- Refused documents: nothing is created, no history row
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap_before_bad AS SELECT pg_temp.snapshot('tap_create_table') AS s;
SELECT is(pg_temp.start_error('bad_missing_ref'), '42P01', 'referenced table missing: 42P01');
SELECT is(pg_temp.start_error('bad_missing_ref_col'), '42703', 'referenced column missing: 42703');
SELECT is(pg_temp.start_error('bad_dup_column'), '42701', 'duplicate column: 42701');
SELECT is(pg_temp.start_error('bad_pk_twice'), '42P16', 'primary_key constraint with pk columns: 42P16');
SELECT is(pg_temp.start_error('bad_exists'), '42P07', 'table already exists: 42P07');
SELECT is(pg_temp.start_error('bad_twice_in_one'), '42P07', 'same table created twice in one migration: 42P07');
SELECT is(pg_temp.sqlstate_of($$SELECT pgroll.validate(doc, 'tap_create_table') FROM docs WHERE id = 'bad_missing_ref'$$),
          '42P01', 'validate reports the missing referenced table too');
SELECT is(pg_temp.sqlstate_of($$SELECT pgroll.validate(doc, 'tap_create_table') FROM docs WHERE id = 'bad_dup_column'$$),
          '42701', 'validate reports the duplicate column too');
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error('tap_create_table', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error_undone('tap_create_table', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    'validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot('tap_create_table'), (SELECT s FROM snap_before_bad),
          'refused migrations leave the schema unchanged');
SELECT is((SELECT count(*)::int FROM pgroll.migrations
           WHERE schema = 'tap_create_table' AND name LIKE 'bad%'), 0,
          'refused migrations leave no history row');
SELECT is(pgroll.is_active_migration_period('tap_create_table'), false,
          'no migration is active after the refusals');
SELECT is((SELECT count(*)::int FROM pg_class WHERE relnamespace = 'tap_create_table'::regnamespace
           AND relname LIKE 'bad%'), 0, 'no table of a refused migration exists');

SELECT * FROM finish(true);
ROLLBACK;
