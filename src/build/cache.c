/* The step cache: a finished RUN, COPY or ADD layer kept by the step's
 * key, so a build whose steps and inputs did not change reuses them (and
 * prints CACHED), as docker's builder does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/build_internal.h"

static void put(struct sha256_ctx *h, const char *s)
{
	sha256_update(h, strlen(s) + 1, (const uint8_t *)s);
}

void bldx_key(char key[72], const char *parent, const char *text, char *const *args,
	      const char *extra)
{
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&h);
	put(&h, parent);
	put(&h, text);
	for (size_t i = 0; args && args[i]; i++)
		put(&h, args[i]);
	put(&h, extra ? extra : "");
	sha256_digest(&h, sizeof(d), d);
	memcpy(key, "sha256:", 7);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(key + 7 + 2 * i, 3, "%02x", d[i]);
}

char *bldx_cache_get(struct bldx_run *r, const struct bldx_stage *s, const char *key)
{
	struct stat st;
	char *p;

	if (!r->o->cache || r->o->no_cache || bldx_stage_no_cache(r, s))
		return NULL;
	p = lxr_xasprintf("%s/%s", r->o->cache, key + 7);
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		return p;
	free(p);
	return NULL;
}

static int sync_tree(const char *dir, lxr_err *err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || syncfs(fd) < 0)
		return lxr_fail(err, errno, "sync the step's layer %s", dir);
	return 0;
}

static void sync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		fsync(fd);
}

/* A step run on purpose although its key is cached (--no-cache, a no-cache
 * filter's stage) made what a later build should find: its layer takes
 * the entry's name in one exchange. The old entry may be a lower directory
 * of a build running beside this one, so it is moved aside, not removed:
 * the next build that finds no other running sweeps it
 * (bld_cache_sweep_replaced). */
static int replace_entry(const char *cache, const char *p, const char *key, const char *layer,
			 lxr_err *err)
{
	static unsigned n;
	_cleanup_free_ char *aside =
	    lxr_xasprintf("%s/.%s" BLD_CACHE_REPLACED "%d.%u", cache, key + 7, (int)getpid(), n++);

	if (renameat2(AT_FDCWD, layer, AT_FDCWD, p, RENAME_EXCHANGE) < 0)
		return lxr_fail(err, errno, "replace the cached layer %s", p);
	if (rename(layer, aside) < 0)
		return lxr_fail(err, errno, "move the replaced layer %s aside", layer);
	sync_dir(cache);
	return 0;
}

int bldx_cache_put(struct bldx_run *r, const struct bldx_stage *s, const char *key, char **layer,
		   lxr_err *err)
{
	_cleanup_free_ char *p = NULL;
	lxr_err e2;

	if (!r->o->cache)
		return 0;
	if (lxr_mkdir_p(r->o->cache, 0700, err) < 0)
		return -1;
	p = lxr_xasprintf("%s/%s", r->o->cache, key + 7);
	/* A cache entry is trusted by its name alone on every later build, so
	 * its files reach the disk before the rename names it: a power cut
	 * then leaves either no entry or a whole one, never one with empty
	 * files. The step's own build does not need this; later ones do. */
	if (sync_tree(*layer, err) < 0)
		return -1;
	/* a complete layer gets its name by rename; another build that got
	 * there first keeps its own (the same step made the same files),
	 * unless the step ran although it was cached */
	if (rename(*layer, p) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			return lxr_fail(err, errno, "keep the step's layer %s as %s", *layer, p);
		if (r->o->no_cache || bldx_stage_no_cache(r, s)) {
			if (replace_entry(r->o->cache, p, key, *layer, err) < 0)
				return -1;
		} else {
			lxr_rm_rf(*layer, &e2);
		}
	} else {
		sync_dir(r->o->cache);
	}
	free(*layer);
	*layer = lxr_steal_ptr(&p);
	return 0;
}

void bldx_step_done(const struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		    char *layer, const char *key, bool cached, int n)
{
	if (cached)
		fprintf(stderr, "#%d %sCACHED %s\n", n, r->tag ? r->tag : "", in->original);
	lxr_strv_push(&s->new_layers, layer);
	bldx_history(&s->cfg, in->original, false);
	memcpy(s->key, key, sizeof(s->key));
}
