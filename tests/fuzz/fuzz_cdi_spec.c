/* libFuzzer target for the CDI spec reader (config/cdi_spec.c), each input
 * read as YAML and as JSON. Besides the sanitizers, it checks what must
 * hold for any input: a refused spec leaves nothing behind and says why in
 * one message naming the file; an accepted one is complete — a kind, at
 * least one device, every name and path as the spec requires them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/cdi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_edits(const struct lxr_cdi_edits *e)
{
	for (size_t i = 0; e->env && e->env[i]; i++)
		check(strchr(e->env[i], '=') && e->env[i][0] != '=');
	for (size_t i = 0; i < e->n_nodes; i++) {
		check(e->nodes[i].path[0] == '/');
		check(!e->nodes[i].host_path || e->nodes[i].host_path[0] == '/');
		check(!e->nodes[i].type || strchr("cubp", e->nodes[i].type));
		check(!e->nodes[i].permissions ||
		      strspn(e->nodes[i].permissions, "rwm") == strlen(e->nodes[i].permissions));
	}
	for (size_t i = 0; i < e->n_mounts; i++)
		check(e->mounts[i].host_path && e->mounts[i].container_path[0] == '/');
	for (size_t i = 0; i < e->n_hooks; i++)
		check(e->hooks[i].path[0] == '/' && e->hooks[i].hook_name[0] &&
		      e->hooks[i].timeout >= 0);
	for (size_t i = 0; i < e->n_gids; i++)
		check(e->gids[i] != 0);
}

static void one(const uint8_t *data, size_t size, bool yaml)
{
	struct lxr_cdi_spec s;
	lxr_err err = {0};
	char kind[256];
	const char *name;

	if (cfg_cdi_spec_parse("fuzz.spec", (const char *)data, size, yaml, &s, &err) < 0) {
		check(s.kind == NULL && s.devices == NULL && s.file == NULL);
		check(!strncmp(err.msg, "CDI spec fuzz.spec", 18));
		check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		return;
	}
	check(s.kind && s.n_devices > 0);
	for (size_t i = 0; i < s.n_devices; i++) {
		char *q = malloc(strlen(s.kind) + strlen(s.devices[i].name) + 2);
		check(q != NULL);
		strcpy(q, s.kind);
		strcat(q, "=");
		strcat(q, s.devices[i].name);
		/* every accepted device is one a user can name */
		check(strlen(s.kind) >= sizeof(kind) ||
		      lxr_cdi_name_split(q, kind, sizeof(kind), &name));
		free(q);
		check_edits(&s.devices[i].edits);
	}
	check_edits(&s.edits);
	lxr_cdi_spec_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, true);
	one(data, size, false);
	return 0;
}
