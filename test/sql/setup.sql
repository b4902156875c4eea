-- setup: a fresh pgroll in the regression database (re-runnable)
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pgroll CASCADE;
RESET client_min_messages;
CREATE EXTENSION pgroll;
SELECT extname, extversion FROM pg_extension WHERE extname = 'pgroll';
SHOW pgroll.lock_timeout;
