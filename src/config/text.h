/* Config layer, internal: the textual rules of Compose that do not depend on
 * YAML — .env files, ${VAR} interpolation, and the value syntaxes (durations,
 * byte sizes, CPU counts, signal names, device entries) parsed once, here. */
#ifndef LXR_CONFIG_TEXT_H
#define LXR_CONFIG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lxr/config.h"

/* A diagnostic from text parsing: position relative to the input (1-based
 * line and column) and a message. The caller maps it onto the stack file. */
struct cfg_text_diag {
	int line, col;
	bool warning; /* true: warning (e.g. unset variable); false: error */
	char msg[256];
};

/* ---- .env ----------------------------------------------------------------
 * Compose's .env syntax: KEY=VAL, `export KEY=VAL`, # comments, blank lines,
 * single quotes (literal), double quotes (escapes \n \t \r \\ \" \$, may span
 * lines, and ${...} interpolation from the environment, then earlier keys),
 * unquoted values with inline ` #` comments and interpolation. `KEY` alone
 * takes KEY from lookup (skipped when unset). Details: dotenv.c. */
struct cfg_env_entry {
	char *key;
	char *value;
	int line;
};
struct cfg_env {
	struct cfg_env_entry *v;
	size_t n;
};
/* lookup: resolves variables referenced in values (environment first) */
typedef const char *(*cfg_lookup_fn)(const char *name, void *ctx);
/* Parse a .env text. Returns 0, or -1 with *diag set on the first error. */
int cfg_dotenv_parse(const char *text, size_t len, cfg_lookup_fn lookup, void *ctx,
		     struct cfg_env *out, struct cfg_text_diag *diag);
/* The same, keeping every diag: warnings (a variable referenced in a value
 * that is not set) and the first error, in file order. diags may be NULL;
 * up to max_diags are stored and *n_diags is their count. On error *out is
 * left empty: nothing half-parsed. */
int cfg_dotenv_parse_diags(const char *text, size_t len, cfg_lookup_fn lookup, void *ctx,
			   struct cfg_env *out, struct cfg_text_diag *diags, size_t max_diags,
			   size_t *n_diags);
/* docker's --env-file syntax (compose's env_file format "raw"): KEY=VALUE
 * verbatim, KEY alone from lookup, # comment lines. */
int cfg_env_raw_parse(const char *text, size_t len, cfg_lookup_fn lookup, void *ctx,
		      struct cfg_env *out, struct cfg_text_diag *diag);
const char *cfg_env_get(const struct cfg_env *env, const char *key);
void cfg_env_free(struct cfg_env *env);
/* more's entries moved into acc, a key acc has taking more's value (a
 * later env file over an earlier one); more is left empty */
void cfg_env_merge(struct cfg_env *acc, struct cfg_env *more);

/* ---- interpolation ---------------------------------------------------------
 * Compose rules: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err},
 * ${VAR?err}, ${VAR:+replacement}, ${VAR+replacement}, nesting inside the
 * default/replacement, `$$` for a literal `$`. An unset variable without a
 * default yields "" and a warning diag; `?` forms yield an error diag with the
 * user's message; bad syntax ("${", "${VAR", "${}", "${VAR!}") is an error
 * diag at its `$`. A `$` that starts no reference ("$1", "a $ b") is kept.
 * diags (may be NULL) receives up to max_diags entries (an error displaces a
 * warning when full) and *n_diags their count; line/col are 1-based within s
 * (line > 1 only when s holds newlines). Returns 0 if no error diag was
 * produced, -1 otherwise. *out is always set (caller frees); an erroneous
 * reference expands to "". */
int cfg_interpolate(const char *s, cfg_lookup_fn lookup, void *ctx, char **out,
		    struct cfg_text_diag *diags, size_t max_diags, size_t *n_diags);

/* Interpolation of a span taken from a larger text, for callers that report
 * positions in that text (the .env parser, the YAML loader for a scalar):
 * line/col are the position of text[0], and every diag is placed relative to
 * it. dquote additionally decodes the .env double-quote escapes (\n \t \r
 * \\ \" \$; others stay as written) and CRLF -> LF in the same pass, so
 * columns stay those of the source. Diags are appended to ip->diags (n_diags
 * counts them; when full, an error replaces the last warning so an error is
 * never lost); ip->failed is set on an error. Returns 0 or -1 (error). */
/* A reference the scanner meets, taken or not (compose's config
 * --variables): NAME, its operator ('-', '?', '+', or 0) with or without
 * the colon, and the operator's text as written. */
struct cfg_var_ref {
	const char *name;
	size_t name_len;
	char op;
	bool colon;
	const char *arg;
	size_t arg_len;
};
struct cfg_interp {
	cfg_lookup_fn lookup;
	void *ctx; /* lookup's and seen's */
	/* NULL, or called for every well-formed reference, the branches an
	 * operator does not take included */
	void (*seen)(const struct cfg_var_ref *ref, void *ctx);
	bool dquote;
	struct cfg_text_diag *diags;
	size_t max_diags;
	size_t n_diags;
	bool failed;
};
int cfg_interpolate_span(struct cfg_interp *ip, const char *text, size_t len, int line, int col,
			 char **out);

/* ---- value syntaxes --------------------------------------------------------- */
/* Go/Compose durations: "1m30s", "10s", "1h", "500ms", "2us", "1.5s"; a bare
 * integer is seconds. Result in microseconds (below that truncated); negative
 * or overflowing values are rejected. All of these return 0 or -1. */
int cfg_parse_duration(const char *s, int64_t *usec);
/* Byte sizes: "512", "512b", "64k", "100m", "1g", "1.5g", "2GiB", "1 GB"
 * (binary units k m g t p, as compose's `mem_limit`); result in bytes,
 * fractions of a byte dropped; negative and overflow rejected. */
int cfg_parse_bytes(const char *s, int64_t *bytes);
/* CPU counts: "0.5", "2", "1.25" -> millicpus (500, 2000, 1250); a non-zero
 * value below 0.001 and negatives are rejected. */
int cfg_parse_cpus(const char *s, int64_t *millicpus);

/* Devices (docker's --device and --device-cgroup-rule, Compose's devices and
 * device_cgroup_rules). Each returns 0, or -1 with *why saying what is wrong
 * (a static string); pos is left alone. */
/* "HOST[:CONTAINER[:PERMS]]" or "HOST:PERMS": absolute paths, PERMS one to
 * three of r, w, m (default rwm), as docker's parser; a CDI name
 * ("vendor.com/class=name") is refused. out->source/target are malloc'd. */
int cfg_parse_device(const char *s, struct cfg_device *out, const char **why);
/* "TYPE MAJOR:MINOR ACCESS": TYPE a, b or c; MAJOR and MINOR a number or *;
 * ACCESS one to three of r, w, m (docker's pattern). */
int cfg_parse_device_rule(const char *s, struct cfg_device_rule *out, const char **why);
/* Permissions as docker checks them: one to three of r, w, m, none twice. */
bool cfg_device_perms_ok(const char *s);
/* "c 1:3 rwm" for printing a rule back (buf: at least 48 bytes). */
const char *cfg_device_rule_text(const struct cfg_device_rule *r, char *buf, size_t len);

/* A character as a diagnostic shows it: 'x', or what it is when unprintable
 * ("end of line", "byte 0x01"); buf holds at least 16 bytes. */
const char *cfg_char_name(char c, char buf[16]);

#endif
