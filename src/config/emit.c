/* A small tree writer with two back ends: YAML through libyaml's emitter
 * (which knows YAML's quoting rules) and JSON by hand. The model printer
 * (dump.c) drives it without knowing the format. */
#define _GNU_SOURCE
#include <string.h>
#include <yaml.h>

#include "config/emit.h"

static int yaml_out(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

static void yemit(struct cfg_out *o, yaml_event_t *ev)
{
	if (!o->failed && !yaml_emitter_emit(&o->yaml, ev))
		o->failed = true;
}

void cfg_out_init(struct cfg_out *o, FILE *f, enum cfg_format fmt)
{
	yaml_event_t ev;

	memset(o, 0, sizeof(*o));
	o->f = f;
	o->fmt = fmt;
	if (fmt != CFG_FORMAT_YAML)
		return;
	if (!yaml_emitter_initialize(&o->yaml))
		abort();
	yaml_emitter_set_output(&o->yaml, yaml_out, f);
	yaml_emitter_set_unicode(&o->yaml, 1);
	yaml_emitter_set_width(&o->yaml, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yemit(o, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	yemit(o, &ev);
}

int cfg_out_finish(struct cfg_out *o)
{
	yaml_event_t ev;

	if (o->fmt == CFG_FORMAT_YAML) {
		yaml_document_end_event_initialize(&ev, 1);
		yemit(o, &ev);
		yaml_stream_end_event_initialize(&ev);
		yemit(o, &ev);
		yaml_emitter_delete(&o->yaml);
	} else {
		fputc('\n', o->f);
	}
	return o->failed || ferror(o->f) ? -1 : 0;
}

static void json_indent(struct cfg_out *o)
{
	fputc('\n', o->f);
	for (int i = 0; i < o->depth; i++)
		fputs("  ", o->f);
}

/* Before any JSON value: the separator and indentation, unless a key was
 * just written (then the value follows on the same line). */
static void json_pre(struct cfg_out *o)
{
	if (o->after_key) {
		o->after_key = false;
		return;
	}
	if (o->depth && o->count[o->depth - 1]++)
		fputc(',', o->f);
	if (o->depth)
		json_indent(o);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void begin(struct cfg_out *o, bool map)
{
	yaml_event_t ev;

	if (o->fmt == CFG_FORMAT_YAML) {
		if (map)
			yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							    YAML_BLOCK_MAPPING_STYLE);
		else
			yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							     YAML_BLOCK_SEQUENCE_STYLE);
		yemit(o, &ev);
		return;
	}
	json_pre(o);
	fputc(map ? '{' : '[', o->f);
	if (o->depth < CFG_OUT_MAX_DEPTH)
		o->count[o->depth] = 0;
	o->depth++;
}

static void end(struct cfg_out *o, bool map)
{
	yaml_event_t ev;

	if (o->fmt == CFG_FORMAT_YAML) {
		if (map)
			yaml_mapping_end_event_initialize(&ev);
		else
			yaml_sequence_end_event_initialize(&ev);
		yemit(o, &ev);
		return;
	}
	o->depth--;
	if (o->count[o->depth])
		json_indent(o);
	fputc(map ? '}' : ']', o->f);
}

void cfg_out_map(struct cfg_out *o)
{
	begin(o, true);
}

void cfg_out_seq(struct cfg_out *o)
{
	begin(o, false);
}

void cfg_out_end_map(struct cfg_out *o)
{
	end(o, true);
}

void cfg_out_end_seq(struct cfg_out *o)
{
	end(o, false);
}

/* A YAML plain scalar that a reader would take for a non-string. */
static bool looks_typed(const char *s)
{
	static const char *const words[] = {"true", "false", "yes", "no", "on",
					    "off",  "null",  "y",   "n",  "~"};
	const char *t = s + (*s == '-' || *s == '+');
	char *end;

	if (!*s)
		return true;
	/* signed .inf/.nan, and 0o/0b integers (YAML 1.2, go-yaml) */
	if (*t == '.' || (t[0] == '0' && t[1] && strchr("oObB", t[1])))
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	strtod(s, &end);
	if (!*end || s[0] == '.' || !strcmp(s, "<<"))
		return true;
	/* YAML 1.1 readers take 1000:1000 for a base-60 number. */
	return strspn(s, "0123456789:._+-") == strlen(s);
}

static void scalar(struct cfg_out *o, const char *v, bool is_string)
{
	yaml_event_t ev;

	if (o->fmt == CFG_FORMAT_YAML) {
		yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
		if (is_string && looks_typed(v))
			style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)v,
					     (int)strlen(v), 1, 1, style);
		yemit(o, &ev);
		return;
	}
	json_pre(o);
	if (is_string)
		json_string(o->f, v);
	else
		fputs(v, o->f);
}

void cfg_out_key(struct cfg_out *o, const char *k)
{
	scalar(o, k, true);
	if (o->fmt == CFG_FORMAT_JSON) {
		fputs(": ", o->f);
		o->after_key = true;
	}
}

/* Values are printed as a stack file says them: the loader interpolates
 * every value again, so a literal '$' (written `$$`, as in a healthcheck's
 * `pg_isready -U $$POSTGRES_USER`) must stay `$$` for the output to load to
 * itself. Keys are never interpolated and are printed as they are. */
void cfg_out_str(struct cfg_out *o, const char *v)
{
	_cleanup_free_ char *esc = NULL;

	if (!v) {
		cfg_out_null(o);
		return;
	}
	if (!o->verbatim && strchr(v, '$')) {
		char *e = esc = lxr_xmalloc(strlen(v) * 2 + 1);
		for (const char *p = v; *p; p++) {
			if (*p == '$')
				*e++ = '$';
			*e++ = *p;
		}
		*e = 0;
		v = esc;
	}
	scalar(o, v, true);
}

void cfg_out_int(struct cfg_out *o, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	scalar(o, buf, false);
}

void cfg_out_number(struct cfg_out *o, const char *v)
{
	scalar(o, v, false);
}

void cfg_out_bool(struct cfg_out *o, bool v)
{
	scalar(o, v ? "true" : "false", false);
}

void cfg_out_null(struct cfg_out *o)
{
	scalar(o, "null", false);
}

/* ---- composite values ---- */
void cfg_out_kv(struct cfg_out *o, const char *k, const char *v)
{
	cfg_out_key(o, k);
	cfg_out_str(o, v);
}

static void fmt_duration(char *buf, size_t len, int64_t us)
{
	static const struct {
		const char *u;
		int64_t n;
	} units[] = {
	    {"h", 3600000000LL}, {"m", 60000000LL}, {"s", 1000000}, {"ms", 1000}, {"us", 1}};
	size_t o = 0;

	buf[0] = 0;
	if (!us) {
		snprintf(buf, len, "0s");
		return;
	}
	for (size_t i = 0; i < 5 && o < len; i++) {
		if (us >= units[i].n) {
			o += (size_t)snprintf(buf + o, len - o, "%lld%s",
					      (long long)(us / units[i].n), units[i].u);
			us %= units[i].n;
		}
	}
}

void cfg_out_duration(struct cfg_out *o, const char *k, int64_t us)
{
	char buf[64];

	fmt_duration(buf, sizeof(buf), us);
	cfg_out_kv(o, k, buf);
}

void cfg_out_strs(struct cfg_out *o, const char *k, const struct cfg_strs *v)
{
	cfg_out_key(o, k);
	cfg_out_seq(o);
	for (size_t i = 0; i < v->n; i++)
		cfg_out_str(o, v->v[i].v);
	cfg_out_end_seq(o);
}

void cfg_out_kvs(struct cfg_out *o, const char *k, const struct cfg_kvs *v)
{
	cfg_out_key(o, k);
	cfg_out_map(o);
	for (size_t i = 0; i < v->n; i++)
		cfg_out_kv(o, v->v[i].key, v->v[i].value);
	cfg_out_end_map(o);
}

void cfg_out_flag(struct cfg_out *o, const char *k, bool v)
{
	cfg_out_key(o, k);
	cfg_out_bool(o, v);
}

void cfg_out_opt_str(struct cfg_out *o, const char *k, const struct cfg_str *v)
{
	if (v->v)
		cfg_out_kv(o, k, v->v);
}

void cfg_out_opt_strs(struct cfg_out *o, const char *k, const struct cfg_strs *v)
{
	if (v->n)
		cfg_out_strs(o, k, v);
}

void cfg_out_opt_kvs(struct cfg_out *o, const char *k, const struct cfg_kvs *v)
{
	if (v->n)
		cfg_out_kvs(o, k, v);
}
