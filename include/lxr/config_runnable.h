/* lxr config layer: what `lxr up` runs of a stack that loads. The model
 * holds settings the runtime does not honour yet (the support table,
 * src/config/support.c); `lxr config` prints them, and every command that
 * runs a stack refuses them here, as docker compose fails only what it
 * would create. */
#ifndef LXR_CONFIG_RUNNABLE_H
#define LXR_CONFIG_RUNNABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lxr/config.h"

/* A setting the model holds but `lxr up` does not run yet (the support
 * table, src/config/support.c, says which): `lxr config` loads and prints
 * it; a service's is refused when a command would run that service
 * (cfg_stack_check_chosen), one of the stack's by every command that runs
 * the stack (cfg_stack_check_runnable). */
struct cfg_unrunnable {
	char *file; /* the stack file, or a file it includes or extends */
	int line, col;
	char *msg;     /* `service "web": lxr up does not run "container_name" yet` */
	char *hint;    /* may be NULL */
	char *service; /* the service it is set in; NULL: the stack's */
	/* An error of the file, not a setting lxr does not run: a reference
	 * to a network, volume, secret, config or service the stack does not
	 * declare, in a service with profiles. compose-go checks the
	 * references of the services the active profiles enable only, so the
	 * file loads while its profiles leave it out; refused once it is
	 * enabled or chosen, by `lxr config` too (cfg_stack_check_enabled). */
	bool invalid;
};

/* For the services a command chose (profiles applied), what the loader
 * keeps apart only for services that always run together
 * (cfg_services_together): any two that take one host port (laradock's
 * alternatives load), and services in different profiles that share a
 * container_name. */
int cfg_stack_check_chosen(const struct cfg_stack *st, const bool *chosen, lxr_err *err);

/* Which keys the runtime honours today (src/config/support.c). */
bool cfg_key_supported(const char *key);
/* Whether `lxr up` runs what the stack sets outside its services (and, with
 * chosen, non-NULL, in the services chosen[i]): 0, or -1 with err naming
 * the first setting it does not run yet ("FILE:LINE:COL: service \"web\":
 * lxr up does not run \"container_name\" yet", its hint, how many more);
 * st->unrunnable lists them all. Every command that runs a stack checks
 * this; `lxr config` does not. A service's own are checked once a command
 * has chosen what it runs (cfg_stack_check_chosen), as docker compose
 * fails only the containers it creates. */
int cfg_stack_check_runnable(const struct cfg_stack *st, const bool *chosen, lxr_err *err);
/* The invalid entries of st->unrunnable in the services enabled[i] (the
 * active profiles enable them, or a command chose them): 0, or -1 with err
 * naming the first as the load would have ("FILE:LINE:COL: service
 * \"debug\": unknown network \"dbg\"", its hint, how many more). Every
 * command that plans services checks this (plan_graph_build), `lxr config`
 * too; cfg_stack_check_runnable leaves these entries to it. */
int cfg_stack_check_enabled(const struct cfg_stack *st, const bool *enabled, lxr_err *err);
/* Print the entries of st->unrunnable that cfg_stack_check_runnable
 * refuses gcc style ("FILE:L:C: error: ..."), with the invalid ones of the
 * services chosen; their number. */
size_t cfg_stack_print_unrunnable(FILE *f, const struct cfg_stack *st, const bool *chosen);
/* Services whose published ports go nowhere (their networks are all
 * internal), as warnings: `lxr up` prints them, and runs the services. */
void cfg_stack_print_unpublished(FILE *f, const struct cfg_stack *st);

#endif
