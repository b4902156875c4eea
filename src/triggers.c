/*-------------------------------------------------------------------------
 *
 * triggers.c
 *	  The sync trigger and its installation.
 *
 * One BEFORE INSERT OR UPDATE row trigger per table, written in C.  Its
 * arguments carry everything it needs (the version schemas, and for each
 * rule the direction, the target column, the expression and the names the
 * expression may use), so firing it reads no table.  A backend compiles a
 * trigger's rules on first use and keeps them per trigger OID until the
 * table's relcache entry is invalidated.
 *
 * Per row: which version is writing (the pgroll.version setting, else the
 * first version schema on search_path, else the old version), then each
 * rule of that direction in order, each seeing the values the earlier ones
 * produced, then the backfill mark is cleared.
 *
 * src/triggers.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "ddl.h"
#include "expr.h"
#include "jobs.h"
#include "triggers.h"
#include "writer.h"

PG_FUNCTION_INFO_V1(pgroll_sync_trigger);

Oid			pgroll_backfill_relid = InvalidOid;

/* ---------------------------------------------------------------------
 * Planning and installing (start, complete, rollback)
 * ---------------------------------------------------------------------
 */

TableSync *
sync_table(SyncPlan *plan, Oid relid)
{
	ListCell   *lc;
	TableSync  *table;

	foreach(lc, plan->tables)
	{
		table = lfirst(lc);
		if (table->relid == relid)
			return table;
	}

	table = palloc0(sizeof(TableSync));
	table->relid = relid;
	plan->tables = lappend(plan->tables, table);
	return table;
}

void
sync_add_rule(TableSync *table, bool up, const char *target,
			  const char *expression, List *scope)
{
	sync_add_stage(table, up, target, NULL, expression, InvalidOid, -1, scope, false);
}

void
sync_add_stage(TableSync *table, bool up, const char *target, const char *name,
			   const char *expression, Oid type, int32 typmod, List *scope,
			   bool prepend)
{
	SyncRule   *rule = NULL;
	ExprStage  *stage = palloc0(sizeof(ExprStage));
	ListCell   *lc;

	stage->expression = pstrdup(expression);
	stage->type = type;
	stage->typmod = typmod;
	stage->name = name ? pstrdup(name) : NULL;

	foreach(lc, table->rules)
	{
		SyncRule   *r = lfirst(lc);

		if (r->up == up && strcmp(r->target, target) == 0)
			rule = r;
	}
	if (rule == NULL)
	{
		rule = palloc0(sizeof(SyncRule));
		rule->up = up;
		rule->target = pstrdup(target);
		rule->scope = scope;
		table->rules = lappend(table->rules, rule);
	}
	if (prepend)
	{
		rule->stages = lcons(stage, rule->stages);
		rule->scope = scope;
	}
	else
		rule->stages = lappend(rule->stages, stage);
}

void
sync_add_fill_rule(TableSync *table, const char *target, Oid type, int32 typmod)
{
	const char *drawn = PGROLL_PREFIX "drawn";
	SyncRule   *up = NULL;
	SyncRule   *fill;
	ExprStage  *last;
	ListCell   *lc;

	foreach(lc, table->rules)
	{
		SyncRule   *r = lfirst(lc);

		if (r->up && strcmp(r->target, target) == 0)
			up = r;
	}
	if (up == NULL)
		elog(ERROR, "column \"%s\" has no up rule to fill it from", target);

	/* up's stages, unless the writer gave the copy a value */
	last = palloc0(sizeof(ExprStage));
	last->expression = psprintf("COALESCE(%s, %s)", quote_identifier(target),
								quote_identifier(drawn));
	last->type = type;
	last->typmod = typmod;
	last->name = pstrdup(drawn);

	fill = palloc0(sizeof(SyncRule));
	fill->up = false;
	fill->target = pstrdup(target);
	fill->scope = expr_scope_add(list_copy(up->scope), table->relid, target, target);
	fill->stages = lappend(list_copy(up->stages), last);
	/* first: the "down" rules read the copy */
	table->rules = lcons(fill, table->rules);
}

void
sync_add_job(TableSync *table, const char *description, const char *command,
			 const char *index_name)
{
	PendingJob *job = palloc0(sizeof(PendingJob));

	job->description = pstrdup(description);
	job->command = pstrdup(command);
	job->index_name = index_name ? pstrdup(index_name) : NULL;
	table->after_backfill = lappend(table->after_backfill, job);
}

/* The trigger's arguments, as a list of SQL literals */
static char *
trigger_arguments(TableSync *table, const char *new_vs, const char *old_vs,
				  const char *version)
{
	StringInfoData buf;
	ListCell   *lr;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s, %s, %s, '%d'", pgroll_literal(new_vs),
					 pgroll_literal(old_vs ? old_vs : ""), pgroll_literal(version),
					 list_length(table->rules));
	foreach(lr, table->rules)
	{
		SyncRule   *rule = lfirst(lr);
		ListCell   *lc;

		appendStringInfo(&buf, ", '%s', %s, '%d'", rule->up ? "up" : "down",
						 pgroll_literal(rule->target), list_length(rule->stages));
		foreach(lc, rule->stages)
		{
			ExprStage  *stage = lfirst(lc);

			appendStringInfo(&buf, ", %s, %s, %s", pgroll_literal(stage->expression),
							 pgroll_literal(OidIsValid(stage->type) ?
											format_type_with_typemod(stage->type,
																	 stage->typmod) : ""),
							 pgroll_literal(stage->name ? stage->name : ""));
		}
		appendStringInfo(&buf, ", '%d'", list_length(rule->scope));
		foreach(lc, rule->scope)
		{
			ExprColumn *col = lfirst(lc);

			appendStringInfo(&buf, ", %s, %s", pgroll_literal(col->name),
							 pgroll_literal(get_attname(table->relid, col->attnum, false)));
		}
	}
	return buf.data;
}

void
sync_install(SyncPlan *plan, const char *schema, const char *migration,
			 const char *new_vs, const char *old_vs, const char *version)
{
	ListCell   *lc;

	foreach(lc, plan->tables)
	{
		TableSync  *table = lfirst(lc);
		char	   *relname = pgroll_relation_name(table->relid);
		ListCell   *lj;

		/*
		 * A trigger on a parent of plain inheritance does not fire for the
		 * children's rows, nor would their columns be copied: refuse rather
		 * than leave the children's rows out of sync.  (Partitions are
		 * reached: the trigger is cloned onto each.)
		 */
		if ((table->rules != NIL || table->backfill) &&
			get_rel_relkind(table->relid) == RELKIND_RELATION &&
			find_inheritance_children(table->relid, NoLock) != NIL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("table \"%s\" has inheritance children", get_rel_name(table->relid)),
					 errdetail("pgroll keeps rewritten columns in step with a trigger, which "
							   "does not reach the rows of child tables."),
					 errhint("Migrate the child tables on their own, or use declarative "
							 "partitioning.")));
		if (table->backfill)
			pgroll_ddlf("ALTER TABLE %s ADD COLUMN " PGROLL_BACKFILL_MARKER
						" boolean DEFAULT true", relname);
		if (table->rules != NIL || table->backfill)
		{
			pgroll_ddlf("CREATE TRIGGER %s"
						" BEFORE INSERT OR UPDATE ON %s FOR EACH ROW "
						"EXECUTE FUNCTION pgroll.sync_trigger(%s)",
						quote_identifier(PGROLL_SYNC_TRIGGER), relname,
						trigger_arguments(table, new_vs, old_vs, version));

			/*
			 * Also with session_replication_role = replica (logical
			 * replication's apply, pg_restore --disable-triggers, a script
			 * that sets it): a write the trigger missed would leave the
			 * versions apart without a trace.
			 */
			pgroll_ddlf("ALTER TABLE %s ENABLE ALWAYS TRIGGER %s", relname,
						quote_identifier(PGROLL_SYNC_TRIGGER));
		}
		if (table->backfill)
			jobs_enqueue_backfill(schema, migration,
								  psprintf("backfill of %s", relname), table->relid);
		foreach(lj, table->after_backfill)
		{
			PendingJob *job = lfirst(lj);

			jobs_enqueue_statement(schema, migration, "start", job->description,
								   job->command, job->index_name);
		}
	}
}

char *
sync_disabled_table(Oid nspid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(nspid)};

	SPI_execute_with_args("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) "
						  "FROM pg_catalog.pg_trigger t "
						  "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
						  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
						  "WHERE c.relnamespace = $1 AND t.tgname = '" PGROLL_SYNC_TRIGGER "' "
						  "  AND t.tgenabled <> 'A' ORDER BY 1 LIMIT 1",
						  1, argtypes, values, NULL, true, 1);
	return SPI_processed == 1 ?
		SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
}

void
sync_remove(Oid nspid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(nspid)};
	List	   *statements = NIL;
	ListCell   *lc;

	SPI_execute_with_args("SELECT pg_catalog.format('DROP TRIGGER %I ON %I.%I', t.tgname, "
						  "       n.nspname, c.relname) "
						  "FROM pg_catalog.pg_trigger t "
						  "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
						  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
						  "WHERE c.relnamespace = $1 AND t.tgparentid = 0 "	/* a partition's clone goes with its parent's */
						  "  AND t.tgname IN ('" PGROLL_SYNC_TRIGGER "', '" PGROLL_SYNC_TRIGGER_0_1 "') "
						  "UNION ALL "
						  "SELECT pg_catalog.format('ALTER TABLE %I.%I DROP COLUMN %I', "
						  "       n.nspname, c.relname, a.attname) "
						  "FROM pg_catalog.pg_attribute a "
						  "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
						  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
						  "WHERE c.relnamespace = $1 AND NOT a.attisdropped AND a.attinhcount = 0 "
						  "  AND a.attname = '" PGROLL_BACKFILL_MARKER "' "
						  "ORDER BY 1 DESC",	/* DROP TRIGGER first */
						  1, argtypes, values, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
		statements = lappend(statements,
							 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	foreach(lc, statements)
		pgroll_ddl(lfirst(lc));
}

/* ---------------------------------------------------------------------
 * The trigger
 * ---------------------------------------------------------------------
 */

typedef struct CompiledRule
{
	bool		up;
	AttrNumber	target;
	Oid			target_type;
	CompiledExpr *expr;
} CompiledRule;

typedef struct RuleSet
{
	Oid			tgoid;			/* hash key */
	Oid			relid;
	Oid			root_relid;		/* the top of its partition tree, or relid */
	MemoryContext cxt;
	WriterVersions versions;
	int			nrules;
	CompiledRule *rules;
	AttrNumber	marker;			/* 0 if the table has none */
	bool		busy;
} RuleSet;

static HTAB *rule_sets = NULL;

static void
forget_rule_sets(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	RuleSet    *rs;

	if (rule_sets == NULL)
		return;
	hash_seq_init(&status, rule_sets);
	while ((rs = hash_seq_search(&status)) != NULL)
	{
		if (!rs->busy && (relid == InvalidOid || rs->relid == relid))
		{
			MemoryContextDelete(rs->cxt);
			(void) hash_search(rule_sets, &rs->tgoid, HASH_REMOVE, NULL);
		}
	}
}

static int
arg_int(Trigger *trigger, volatile int *pos)
{
	if (*pos >= trigger->tgnargs)
		elog(ERROR, "pgroll sync trigger \"%s\" has malformed arguments",
			 trigger->tgname);
	return atoi(trigger->tgargs[(*pos)++]);
}

static char *
arg_str(Trigger *trigger, volatile int *pos)
{
	if (*pos >= trigger->tgnargs)
		elog(ERROR, "pgroll sync trigger \"%s\" has malformed arguments",
			 trigger->tgname);
	return trigger->tgargs[(*pos)++];
}

/* One rule as the trigger's arguments give it */
typedef struct RuleArgs
{
	bool		up;
	AttrNumber	target;
	List	   *stages;			/* ExprStage *; the last one has the column's type */
	List	   *scope;			/* ExprColumn * */
} RuleArgs;

/* The nrules rules of the trigger's arguments from *pos on */
static List *
read_rules(Trigger *trigger, Relation rel, volatile int *pos, int nrules)
{
	Oid			relid = RelationGetRelid(rel);
	List	   *rules = NIL;

	for (int i = 0; i < nrules; i++)
	{
		RuleArgs   *ra = palloc0(sizeof(RuleArgs));
		char	   *target;
		int			nstages;
		int			nscope;
		Form_pg_attribute att;

		ra->up = strcmp(arg_str(trigger, pos), "up") == 0;
		target = arg_str(trigger, pos);
		ra->target = get_attnum(relid, target);
		if (ra->target == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column \"%s\" of table %s, which pgroll's sync trigger writes, "
							"no longer exists", target, pgroll_relation_name(relid)),
					 errhint("It was renamed or dropped while a migration was active; "
							 "roll the migration back with pgroll.rollback().")));
		att = TupleDescAttr(RelationGetDescr(rel), ra->target - 1);

		nstages = arg_int(trigger, pos);
		for (int j = 0; j < nstages; j++)
		{
			ExprStage  *stage = palloc0(sizeof(ExprStage));
			char	   *type;

			stage->expression = arg_str(trigger, pos);
			type = arg_str(trigger, pos);
			stage->name = arg_str(trigger, pos);
			if (stage->name[0] == '\0')
				stage->name = NULL;
			if (type[0] != '\0' && j < nstages - 1)
				parseTypeString(type, &stage->type, &stage->typmod, false);
			else
			{
				/* the last stage is what the column holds */
				stage->type = att->atttypid;
				stage->typmod = att->atttypmod;
			}
			ra->stages = lappend(ra->stages, stage);
		}
		nscope = arg_int(trigger, pos);
		for (int j = 0; j < nscope; j++)
		{
			char	   *name = arg_str(trigger, pos);
			char	   *physical = arg_str(trigger, pos);

			/*
			 * A column renamed or dropped by hand since start is left out:
			 * an expression that uses it fails to compile, naming it; one
			 * that does not is unaffected.
			 */
			if (get_attnum(relid, physical) != InvalidAttrNumber)
				ra->scope = expr_scope_add(ra->scope, relid, physical, name);
		}
		rules = lappend(rules, ra);
	}
	return rules;
}

static RuleSet *
compile_rule_set(Trigger *trigger, Relation rel)
{
	bool		found;
	RuleSet    *rs;
	MemoryContext old;
	volatile int pos = 0;
	Oid			relid = RelationGetRelid(rel);

	if (rule_sets == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(RuleSet);
		rule_sets = hash_create("pgroll sync rules", 16, &ctl, HASH_ELEM | HASH_BLOBS);
		CacheRegisterRelcacheCallback(forget_rule_sets, (Datum) 0);
	}

	rs = hash_search(rule_sets, &trigger->tgoid, HASH_ENTER, &found);
	if (found)
		return rs;

	PG_TRY();
	{
		int			nestlevel;
		List	   *rules;
		ListCell   *lc;

		/* names in the expressions are the table's schema's, whoever writes */
		nestlevel = pgroll_push_search_path(pgroll_schema_search_path(get_namespace_name(RelationGetNamespace(rel))));
		rs->relid = relid;
		rs->root_relid = relid;
		if (rel->rd_rel->relispartition)
			rs->root_relid = llast_oid(get_partition_ancestors(relid));
		rs->cxt = AllocSetContextCreate(CacheMemoryContext, "pgroll sync rules",
										ALLOCSET_SMALL_SIZES);
		rs->busy = false;
		old = MemoryContextSwitchTo(rs->cxt);
		memset(&rs->versions, 0, sizeof(WriterVersions));
		rs->versions.relid = relid;
		rs->versions.root_relid = rs->root_relid;
		rs->versions.base_nspid = RelationGetNamespace(rel);
		rs->versions.new_vs = pstrdup(arg_str(trigger, &pos));
		rs->versions.old_vs = pstrdup(arg_str(trigger, &pos));
		rs->versions.version = pstrdup(arg_str(trigger, &pos));
		rs->nrules = arg_int(trigger, &pos);
		rs->rules = palloc0(sizeof(CompiledRule) * Max(rs->nrules, 1));
		rs->marker = get_attnum(relid, PGROLL_BACKFILL_MARKER);
		if (rs->marker == InvalidAttrNumber)
			rs->marker = 0;

		rules = read_rules(trigger, rel, &pos, rs->nrules);
		foreach(lc, rules)
		{
			RuleArgs   *ra = lfirst(lc);
			CompiledRule *cr = &rs->rules[foreach_current_index(lc)];

			cr->up = ra->up;
			cr->target = ra->target;
			cr->target_type = TupleDescAttr(RelationGetDescr(rel), ra->target - 1)->atttypid;
			cr->expr = expr_compile_chain(ra->stages, ra->scope, rs->cxt);
			/* a column an up rule sets is the new version's, a down rule's the old's */
			if (ra->up)
				rs->versions.new_only = bms_add_member(rs->versions.new_only, ra->target);
			else
				rs->versions.old_only = bms_add_member(rs->versions.old_only, ra->target);
		}
		MemoryContextSwitchTo(old);
		AtEOXact_GUC(true, nestlevel);
	}
	PG_CATCH();
	{
		if (rs->cxt)
			MemoryContextDelete(rs->cxt);
		(void) hash_search(rule_sets, &trigger->tgoid, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return rs;
}

void
sync_compile(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	TriggerDesc *trigdesc = rel->trigdesc;
	Oid			save_userid;
	int			save_sec_context;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	for (int i = 0; trigdesc != NULL && i < trigdesc->numtriggers; i++)
	{
		if (strcmp(trigdesc->triggers[i].tgname, PGROLL_SYNC_TRIGGER) != 0)
			continue;
		/* as the trigger compiles them: with the owner's rights */
		SetUserIdAndSecContext(rel->rd_rel->relowner,
							   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
		(void) compile_rule_set(&trigdesc->triggers[i], rel);
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	table_close(rel, NoLock);
}

/* Replace the Vars of columns an earlier rule set by that rule's value */
typedef struct SetValues
{
	int			natts;
	Node	  **values;			/* by attnum - 1; NULL: the column as it is */
} SetValues;

static Node *
substitute_set_values(Node *node, SetValues *set)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if (var->varno == 1 && var->varlevelsup == 0 &&
			var->varattno > 0 && var->varattno <= set->natts &&
			set->values[var->varattno - 1] != NULL)
			return copyObject(set->values[var->varattno - 1]);
		return node;
	}
	return expression_tree_mutator(node, substitute_set_values, set);
}

/*
 * The backfill's SET list for rel: every "up" rule's column computed from
 * the row exactly as an old writer's trigger call computes it (rules in
 * order, each seeing the values the earlier ones set).  The batch statement
 * then fires no rule evaluation per row.  NULL when the table has no sync
 * trigger or a rule has a subquery; the trigger computes the rows then.
 * *is_volatile tells whether an expression calls a volatile function.
 * Names resolve with the current search_path: run the statement under the
 * same one.
 */
char *
sync_backfill_assignments(Relation rel, bool *is_volatile)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	Trigger    *trigger = NULL;
	volatile int pos = 3;
	SetValues	set;
	StringInfoData buf;
	List	   *rules;
	List	   *context;
	ListCell   *lc;

	for (int i = 0; trigdesc != NULL && i < trigdesc->numtriggers; i++)
		if (strcmp(trigdesc->triggers[i].tgname, PGROLL_SYNC_TRIGGER) == 0 ||
			strcmp(trigdesc->triggers[i].tgname, PGROLL_SYNC_TRIGGER_0_1) == 0)
			trigger = &trigdesc->triggers[i];
	*is_volatile = false;
	if (trigger == NULL)
		return NULL;

	rules = read_rules(trigger, rel, &pos, arg_int(trigger, &pos));
	set.natts = RelationGetDescr(rel)->natts;
	set.values = palloc0(sizeof(Node *) * set.natts);
	context = deparse_context_for(RelationGetRelationName(rel), RelationGetRelid(rel));
	initStringInfo(&buf);
	foreach(lc, rules)
	{
		RuleArgs   *ra = lfirst(lc);
		Node	   *value;

		if (!ra->up)
			continue;
		value = expr_chain_as_vars(ra->stages, ra->scope, RelationGetRelid(rel));
		if (value == NULL)
			return NULL;
		value = substitute_set_values(value, &set);
		set.values[ra->target - 1] = value;
		*is_volatile |= contain_volatile_functions(value);
	}
	for (int i = 0; i < set.natts; i++)
	{
		if (set.values[i] == NULL)
			continue;
		appendStringInfo(&buf, "%s = %s, ",
						 quote_identifier(NameStr(TupleDescAttr(RelationGetDescr(rel), i)->attname)),
						 deparse_expression(set.values[i], context, false, false));
	}
	return buf.data;
}

static bool
row_needs_backfill(HeapTuple tuple, TupleDesc tupdesc, AttrNumber marker)
{
	bool		isnull;
	Datum		mark = heap_getattr(tuple, marker, tupdesc, &isnull);

	return !isnull && DatumGetBool(mark);
}

/*
 * A new writer updating a row the backfill has not reached: the new columns
 * the UPDATE does not set get "up" from the old values.  Which columns it
 * sets is what the statement says (tg_updatedcols), never guessed from the
 * values: SET z = NULL on a copy that held NULL is still a write.
 */
static void
apply_up_to_unset(RuleSet *rs, TriggerData *td, Datum *values, bool *nulls)
{
	for (int i = 0; i < rs->nrules; i++)
	{
		CompiledRule *cr = &rs->rules[i];
		int			t = cr->target - 1;
		bool		isnull;

		if (!cr->up ||
			bms_is_member(cr->target - FirstLowInvalidHeapAttributeNumber,
						  td->tg_updatedcols))
			continue;
		values[t] = expr_eval(cr->expr, values, nulls, &isnull);
		nulls[t] = isnull;
	}
}

Datum
pgroll_sync_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	tupdesc;
	HeapTuple	tuple;
	RuleSet    *rs;
	Datum	   *values;
	bool	   *nulls;
	bool		is_new;
	HeapTuple	result;
	Oid			save_userid;
	int			save_sec_context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgroll.sync_trigger() must run BEFORE INSERT OR UPDATE FOR EACH ROW")));

	rel = td->tg_relation;
	tupdesc = RelationGetDescr(rel);
	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;

	/*
	 * The expressions are the migration's, written by the table's owner (no
	 * one else may migrate it): they are compiled and run with the owner's
	 * rights, restricted as an index expression is, never with the rights of
	 * whoever writes the row.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	rs = compile_rule_set(td->tg_trigger, rel);
	SetUserIdAndSecContext(save_userid, save_sec_context);

	/*
	 * The backfill's batch statement computed this row's columns itself and
	 * clears its mark: nothing left to do.  Any other write (a trigger of
	 * the user's writing back to the table, say) leaves the mark as it is.
	 */
	if (rs->root_relid == pgroll_backfill_relid && rs->marker > 0 &&
		TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
		row_needs_backfill(td->tg_trigtuple, tupdesc, rs->marker) &&
		!row_needs_backfill(td->tg_newtuple, tupdesc, rs->marker))
		return PointerGetDatum(td->tg_newtuple);

	/* as the writer: its search_path ("$user" included) says who it is */
	is_new = writer_is_new(&rs->versions, td);

	values = palloc(sizeof(Datum) * tupdesc->natts);
	nulls = palloc(sizeof(bool) * tupdesc->natts);
	heap_deform_tuple(tuple, tupdesc, values, nulls);

	rs->busy = true;
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		/*
		 * A new writer updating a row the backfill has not reached: the new
		 * columns it does not set still need "up" from the old values.
		 */
		if (is_new && rs->marker > 0 && TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
			row_needs_backfill(td->tg_trigtuple, tupdesc, rs->marker))
			apply_up_to_unset(rs, td, values, nulls);

		for (int i = 0; i < rs->nrules; i++)
		{
			CompiledRule *cr = &rs->rules[i];
			bool		isnull;

			if (cr->up == is_new)
				continue;
			values[cr->target - 1] = expr_eval(cr->expr, values, nulls, &isnull);
			nulls[cr->target - 1] = isnull;
		}
	}
	PG_FINALLY();
	{
		rs->busy = false;
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();

	if (rs->marker > 0)
	{
		values[rs->marker - 1] = BoolGetDatum(false);
		nulls[rs->marker - 1] = false;
	}

	/* values holds the whole row: form it directly, no second deform */
	result = heap_form_tuple(tupdesc, values, nulls);
	result->t_data->t_ctid = tuple->t_data->t_ctid;
	result->t_self = tuple->t_self;
	result->t_tableOid = tuple->t_tableOid;
	return PointerGetDatum(result);
}
