/* What a loaded stack is asked about it: a service or network by name,
 * whether two services always run together. */
#define _GNU_SOURCE
#include <string.h>

#include "config/config_internal.h"

const struct cfg_service *cfg_stack_service(const struct cfg_stack *s, const char *name)
{
	for (size_t i = 0; i < s->n_services; i++)
		if (!strcmp(s->services[i].name, name))
			return &s->services[i];
	return NULL;
}

const struct cfg_network *cfg_stack_network(const struct cfg_stack *s, const char *name)
{
	for (size_t i = 0; i < s->n_networks; i++)
		if (!strcmp(s->networks[i].name, name))
			return &s->networks[i];
	return NULL;
}

/* Services that always run together: neither has profiles. One with
 * profiles may be an alternative to the other (an all-in-one image or its
 * parts, as published files offer them, sharing a profile through extends
 * too), so compose loads a clash there; cfg_stack_check_chosen refuses it
 * once the profiles are known. */
bool cfg_services_together(const struct cfg_service *a, const struct cfg_service *b)
{
	return !a->profiles.n && !b->profiles.n;
}

/* what the loader fills in stands at the service's own position */
bool cfg_service_networks_given(const struct cfg_service *s)
{
	return s->n_networks && (s->networks[0].name.pos.line != s->pos.line ||
				 s->networks[0].name.pos.col != s->pos.col);
}
