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
#include <time.h>
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

/* An entry never changes once it has its name: a build reads its layers
 * by path for as long as it runs. A step run although its key was cached
 * (--no-cache, a no-cache filter's stage) is kept under a key of its own,
 * and ".KEY.next", a link naming that key, sends later lookups of KEY to
 * it. Its later steps are keyed on the new key, so nothing cached over the
 * old layer is taken for them; a later build that follows the link finds
 * what they made. */
#define NEXT_FMT "%s/.%s.next"

static bool hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *bldx_cache_get(struct bldx_run *r, const struct bldx_stage *s, char *key)
{
	_cleanup_free_ char *next = NULL;
	char to[72];
	ssize_t n;
	char *p;

	if (!r->o->cache || r->o->no_cache || bldx_stage_no_cache(r, s))
		return NULL;
	next = lxr_xasprintf(NEXT_FMT, r->o->cache, key + 7);
	n = readlink(next, to, sizeof(to) - 1);
	if (n == 64) {
		to[n] = '\0';
		p = lxr_xasprintf("%s/%s", r->o->cache, to);
		if (hex64(to) && is_dir(p)) {
			memcpy(key + 7, to, 65);
			return p;
		}
		free(p);
	}
	p = lxr_xasprintf("%s/%s", r->o->cache, key + 7);
	if (is_dir(p))
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

/* the layer of a step run on purpose: under a new key (KEY, this process
 * and the time), then ".KEY.next" replaced by a link to it; key becomes
 * the new one */
static int put_rerun(struct bldx_run *r, char *key, char **layer, lxr_err *err)
{
	static unsigned count;
	struct timespec ts;
	char fresh[72], nonce[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(nonce, sizeof(nonce), "%d.%lld.%ld.%u", (int)getpid(), (long long)ts.tv_sec,
		 ts.tv_nsec, count++);
	bldx_key(fresh, key, "rerun", NULL, nonce);
	_cleanup_free_ char *p = lxr_xasprintf("%s/%s", r->o->cache, fresh + 7);
	_cleanup_free_ char *next = lxr_xasprintf(NEXT_FMT, r->o->cache, key + 7);
	_cleanup_free_ char *tmp = lxr_xasprintf("%s.tmp.%d", next, (int)getpid());

	if (rename(*layer, p) < 0)
		return lxr_fail(err, errno, "keep the step's layer %s as %s", *layer, p);
	free(*layer);
	*layer = lxr_steal_ptr(&p);
	unlink(tmp);
	if (symlink(fresh + 7, tmp) < 0 || rename(tmp, next) < 0) {
		lxr_fail(err, errno, "point %s at %s", next, fresh + 7);
		unlink(tmp);
		return -1;
	}
	sync_dir(r->o->cache);
	memcpy(key, fresh, sizeof(fresh));
	return 0;
}

int bldx_cache_put(struct bldx_run *r, const struct bldx_stage *s, char *key, char **layer,
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
	/* run on purpose over a key that is cached (or sent on): a key of its
	 * own; a new key (one its parent's rerun made) needs none */
	if (r->o->no_cache || bldx_stage_no_cache(r, s)) {
		_cleanup_free_ char *next = lxr_xasprintf(NEXT_FMT, r->o->cache, key + 7);
		struct stat st;
		if (is_dir(p) || lstat(next, &st) == 0)
			return put_rerun(r, key, layer, err);
	}
	/* a complete layer gets its name by rename; another build that got
	 * there first keeps its own (the same step made the same files) */
	if (rename(*layer, p) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			return lxr_fail(err, errno, "keep the step's layer %s as %s", *layer, p);
		lxr_rm_rf(*layer, &e2);
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
