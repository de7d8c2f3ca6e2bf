/* lxr image tools: bringing images into the store — registry pull
 * (libcurl), docker-save / OCI archive load and root filesystem import
 * (libarchive), layer unpacking. Library lxr_image_tools, linked only into
 * the lxr-image program: lxr itself stays free of libcurl and libarchive and
 * their ~40 shared libraries, so it starts in ~1 ms (docs/images.md). The
 * store, references and resolving are in lxr/image.h. */
#ifndef LXR_IMAGE_TOOLS_H
#define LXR_IMAGE_TOOLS_H

#include "lxr/image.h"

struct img_pull_opts {
	bool quiet;        /* no progress output */
	bool progress_tty; /* redraw a progress block (else plain lines) */
	/* instead of lines for a person: {"have":N,"total":N} (bytes of the
	 * blobs to fetch) on stderr at most ten times a second, for a caller
	 * that draws several pulls at once (lxr pull of a stack) */
	bool progress_json;
	int max_parallel;      /* concurrent layer downloads; 0: 4 */
	const char *auth_file; /* NULL: $REGISTRY_AUTH_FILE, ~/.docker/config.json,
				* $XDG_RUNTIME_DIR/containers/auth.json */
};
/* Pull ref from its registry (HTTPS; plain HTTP for localhost/127.0.0.1/
 * [::1]), resolve a manifest list to this host's platform, fetch what the
 * store lacks, verify every digest, unpack, tag. Prints progress to stderr. */
int img_pull(struct img_store *s, const char *ref, const struct img_pull_opts *o, lxr_err *err);

/* docker-save archive, OCI image archive (tar of a layout), or OCI layout
 * directory. *names gets every name tagged (malloc'd vector). */
int img_load(struct img_store *s, const char *path, char ***names, lxr_err *err);

/* A root filesystem (directory or tar, optionally compressed) as a one-layer
 * image tagged name. cfg (may be NULL) gives its Entrypoint, Cmd, Env,
 * WorkingDir, User, ExposedPorts, StopSignal (docker import --change). */
int img_import(struct img_store *s, const char *path, const char *name,
	       const struct img_config *cfg, lxr_err *err);
/* One docker import --change line ("CMD [\"/bin/sh\"]", "ENV A=1",
 * "WORKDIR /app", "USER app", "EXPOSE 80", "ENTRYPOINT ...",
 * "STOPSIGNAL SIGQUIT") applied to cfg. */
int img_config_change(struct img_config *cfg, const char *line, lxr_err *err);

/* docker save: the images refs name (names, name@digest, image IDs), with
 * their blobs as the store has them, into one tar at path (NULL: standard
 * output). docker: a docker-save archive that is also an OCI layout (as
 * docker 25+ writes it: docker load, podman load, skopeo and lxr load read
 * it); oci: an OCI image layout archive. A file is written under a temp
 * name and renamed when whole: a failure leaves nothing at path. */
enum img_save_format { IMG_SAVE_DOCKER, IMG_SAVE_OCI };
int img_save(struct img_store *s, char *const *refs, enum img_save_format f, const char *path,
	     lxr_err *err);

struct img_push_opts {
	bool quiet;            /* no progress lines */
	bool progress_tty;     /* redraw the layer being uploaded (bytes sent) */
	const char *auth_file; /* as for pull */
};
/* docker push: upload the image ref names (NAME[:TAG], as the store has
 * it) to the registry its name says, with pull's transport and credentials:
 * each blob the registry lacks (HEAD, then POST and one PUT), then the
 * stored manifest, unchanged, under the tag. Prints progress to stderr. */
int img_push(struct img_store *s, const char *ref, const struct img_push_opts *o, lxr_err *err);

/* Unpack every layer of a stored image whose layer directory is missing,
 * from its blob, verifying each diff ID (img_resolve runs this through
 * `lxr-image unpack` when someone removed a layer directory). */
int img_unpack(struct img_store *s, const char *ref, lxr_err *err);

/* What a build made, as the JSON file desc says: "base" (the base image's
 * manifest digest, or null for scratch), "layers" (directories in overlay
 * form, bottom first), "config" (the image config's "config" object),
 * "history" (the build's entries), "tags", "source_date_epoch" (null, or
 * the time every mtime is clamped to and the image is dated). Each layer
 * becomes a deterministic tar blob (overlay whiteouts as OCI ones) and is
 * unpacked into the store; the image is stored and tagged; its ID is
 * printed. */
int img_commit(struct img_store *s, const char *desc, lxr_err *err);
/* Unpack the archive on fd (tar: plain, gzip, bzip2, xz, zstd) into the
 * empty directory dir, safely as a layer is (nothing outside it). */
int img_extract_fd(int fd, const char *dir, lxr_err *err);
/* Whether a tar archive is on fd, plain or once decompressed (gzip, bzip2,
 * xz, zstd): BuildKit's ADD unpacks only that, and copies anything else
 * (a gzipped file that is no tar) as it is. */
bool img_is_tar_fd(int fd);
/* GET url (http or https, redirects to either) into the new file path
 * (mode 0600), its modification time the response's Last-Modified when
 * there is one (ADD URL). An error status is an error; path is then gone. */
int img_fetch_url(const char *url, const char *path, lxr_err *err);

/* docker login's server: NULL, "", docker.io and its other names are
 * Docker Hub (*registry "docker.io", *key its auth-file key
 * "https://index.docker.io/v1/"); else HOST[:PORT], a scheme and path
 * dropped. -1 when it cannot be a host. */
int img_login_server(const char *server, char **registry, char **key);
/* Where login writes: given, else $REGISTRY_AUTH_FILE (as podman), else
 * ~/.docker/config.json (as docker); NULL without HOME. */
char *img_login_file(const char *given);
/* Check user and password with server's registry (its /v2/, and the token
 * service it names, as docker login does), then keep them as the auth
 * file's "auths" entry for it, the rest of the file as it was. Nothing is
 * written when the registry refuses them. *stored_in: the file. */
int img_login(const char *server, const char *user, const char *password, const char *auth_file,
	      char **stored_in, lxr_err *err);
/* Remove server's credentials (every spelling) from the auth file: 1 when
 * there were some, 0 when not. *key: the server as login keys it. */
int img_logout(const char *server, const char *auth_file, char **key, lxr_err *err);

#endif
