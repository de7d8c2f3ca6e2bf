/* ps as docker compose prints it: NAME, IMAGE, COMMAND, SERVICE, CREATED,
 * STATUS ("Up 2 minutes (healthy)", "Exited (1) 3 seconds ago"), PORTS; or
 * a --format template of the same fields ({{.Name}}\t{{.Status}}). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

/* docker's units.HumanDuration */
void cli_human_duration(int64_t s, char *buf, size_t len)
{
	int64_t m = s / 60, h = (s + 1800) / 3600;

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s == 1)
		snprintf(buf, len, "1 second");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds", (long long)s);
	else if (m == 1)
		snprintf(buf, len, "About a minute");
	else if (m < 60)
		snprintf(buf, len, "%lld minutes", (long long)m);
	else if (h == 1)
		snprintf(buf, len, "About an hour");
	else if (h < 48)
		snprintf(buf, len, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(buf, len, "%lld years", (long long)(s / 3600 / 24 / 365));
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int64_t num(json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* A rolling update under way or stopped half-way (lxr's own): "(updating)",
 * "(update paused)"; one that ended well says nothing. */
static void update_of(json_t *o, char *buf, size_t len)
{
	const char *u = json_string_value(json_object_get(json_object_get(o, "update"), "state"));

	if (u && (!strcmp(u, "updating") || !strcmp(u, "rolling-back")))
		snprintf(buf + strlen(buf), len - strlen(buf), " (%s)", u);
	else if (u && !strcmp(u, "paused"))
		snprintf(buf + strlen(buf), len - strlen(buf), " (update paused)");
}

/* compose's State from lxr's: running, paused, restarting, exited,
 * created, removing */
static const char *compose_state(const char *st)
{
	if (!strcmp(st, "running") || !strcmp(st, "healthy") || !strcmp(st, "unhealthy") ||
	    !strcmp(st, "starting"))
		return "running";
	if (!strcmp(st, "stopping"))
		return "removing";
	if (!strcmp(st, "backoff"))
		return "restarting";
	if (!strcmp(st, "paused") || !strcmp(st, "created") || !strcmp(st, "restarting") ||
	    !strcmp(st, "removing"))
		return st;
	return !strcmp(st, "exited") || !strcmp(st, "stopped") || !strcmp(st, "failed") ? "exited"
											: "created";
}

/* docker's State.String() from lxr's states */
static void status_of(json_t *o, int64_t now, char *buf, size_t len)
{
	const char *st = str(o, "state"), *health = str(o, "health");
	int64_t fin = num(o, "finished"), code = num(o, "exit_code");
	char d[64];

	if (!strcmp(st, "running") || !strcmp(st, "healthy") || !strcmp(st, "unhealthy") ||
	    !strcmp(st, "stopping")) {
		cli_human_duration(num(o, "uptime_s"), d, sizeof(d));
		snprintf(buf, len, "Up %s%s%s%s", d,
			 !strcmp(health, "starting") ? " (health: starting)"
			 : *health                   ? " ("
						     : "",
			 strcmp(health, "starting") ? health : "",
			 *health && strcmp(health, "starting") ? ")" : "");
		if (!strcmp(st, "stopping"))
			snprintf(buf + strlen(buf), len - strlen(buf), " (stopping)");
		update_of(o, buf, len);
		return;
	}
	if (!strcmp(st, "paused")) {
		cli_human_duration(num(o, "uptime_s"), d, sizeof(d));
		snprintf(buf, len, "Up %s (Paused)", d);
		return;
	}
	cli_human_duration(fin ? now - fin : 0, d, sizeof(d));
	if (!strcmp(st, "backoff") || !strcmp(st, "restarting"))
		snprintf(buf, len, "Restarting (%lld) %s ago", (long long)(code < 0 ? 0 : code), d);
	else if ((!strcmp(st, "exited") || !strcmp(st, "stopped") || !strcmp(st, "failed")) &&
		 code >= 0 && fin)
		snprintf(buf, len, "Exited (%lld) %s ago", (long long)code, d);
	else if (!strcmp(st, "failed"))
		snprintf(buf, len, "Failed");
	else if (!strcmp(st, "exited"))
		snprintf(buf, len, "Exited"); /* its code went with its supervisor */
	else if (!strcmp(st, "starting"))
		snprintf(buf, len, "Starting");
	else
		snprintf(buf, len, "Created");
}

/* docker's quoted, shortened command: "sleep 1000", "/docker-entrypoint.…" */
static void command_of(json_t *o, bool no_trunc, char *buf, size_t len)
{
	char cmd[1024] = "";
	size_t i, n;
	json_t *a;

	json_array_foreach(json_object_get(o, "command"), i, a)
	    snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s", i ? " " : "",
		     json_string_value(a));
	n = strlen(cmd);
	/* the length is checked only to use snprintf's result (a command
	 * longer than buf is cut, which the table can bear) */
	if ((size_t)snprintf(buf, len, !no_trunc && n > 20 ? "\"%.19s…\"" : "\"%s\"", cmd) >= len)
		buf[len - 1] = '\0';
}

static void ports_of(json_t *o, char *buf, size_t len)
{
	size_t k;
	json_t *p;

	buf[0] = '\0';
	json_array_foreach(json_object_get(o, "ports"), k, p) snprintf(
	    buf + strlen(buf), len - strlen(buf), "%s%s", k ? ", " : "", json_string_value(p));
}

static void created_of(json_t *o, int64_t now, char *buf, size_t len)
{
	int64_t c = num(o, "created");
	char d[64];

	if (!c) {
		snprintf(buf, len, "-");
		return;
	}
	cli_human_duration(now - c, d, sizeof(d));
	snprintf(buf, len, "%s ago", d);
}

/* One field of a --format template, as docker compose names them. */
/* docker's State.ExitCode: 0 from a start on (SetRunning resets it), the
 * last exit's once the container has ended */
static long long exit_code_of(json_t *o)
{
	const char *st = compose_state(str(o, "state"));

	if (!strcmp(st, "running") || !strcmp(st, "paused") || num(o, "exit_code") < 0)
		return 0;
	return (long long)num(o, "exit_code");
}

static void field(json_t *o, const char *name, int64_t now, bool no_trunc, char *buf, size_t len)
{
	buf[0] = '\0';
	/* compose's NAME is docker's (an older supervisor's record has only
	 * its instance), and so is its ID: what `ps -q` prints names the
	 * container to lxr exec, inspect, logs anywhere */
	if (!strcmp(name, "Name") || !strcmp(name, "Names") || !strcmp(name, "ID"))
		snprintf(buf, len, "%s", cli_ps_name(o) ?: "");
	else if (!strcmp(name, "Image"))
		snprintf(buf, len, "%s", str(o, "image"));
	else if (!strcmp(name, "Command") && json_object_get(o, "command"))
		command_of(o, no_trunc, buf, len);
	else if (!strcmp(name, "Service"))
		snprintf(buf, len, "%s", str(o, "service"));
	else if (!strcmp(name, "RunningFor") || !strcmp(name, "Created"))
		created_of(o, now, buf, len);
	else if (!strcmp(name, "CreatedAt")) {
		time_t t = (time_t)num(o, "created");
		struct tm tm;
		if (t && localtime_r(&t, &tm))
			strftime(buf, len, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
	} else if (!strcmp(name, "Status"))
		status_of(o, now, buf, len);
	else if (!strcmp(name, "State")) /* compose's word; the health is .Health */
		snprintf(buf, len, "%s", compose_state(str(o, "state")));
	else if (!strcmp(name, "Health"))
		snprintf(buf, len, "%s", str(o, "health"));
	else if (!strcmp(name, "ExitCode"))
		snprintf(buf, len, "%lld", exit_code_of(o));
	else if (!strcmp(name, "Ports") || !strcmp(name, "Publishers"))
		ports_of(o, buf, len);
}

/* "0.0.0.0:8080->80/tcp" as compose's Publishers entry */
static json_t *publisher(const char *port)
{
	struct sup_port_mapping m;
	char url[64];

	if (!sup_port_mapping(port, &m))
		return NULL;
	snprintf(url, sizeof(url), "%.*s", m.ip_len, port);
	return json_pack("{s:s, s:I, s:I, s:s}", "URL", url, "TargetPort", (json_int_t)m.c1,
			 "PublishedPort", (json_int_t)m.h1, "Protocol", m.proto);
}

/* docker's Labels: "k=v,k2=v2" (lxr's own "labels" stays the object) */
static json_t *labels_text(json_t *o)
{
	const char *key;
	json_t *v, *out;
	char *text = lxr_xstrdup("");

	json_object_foreach(json_object_get(o, "labels"), key, v)
	{
		char *more = lxr_xasprintf("%s%s%s=%s", text, *text ? "," : "", key,
					   json_string_value(v) ? json_string_value(v) : "");
		free(text);
		text = more;
	}
	out = json_string(text);
	free(text);
	return out;
}

/* docker's and compose's keys of record o, set in into (o itself: beside
 * lxr's own) */
static void compose_keys(json_t *o, json_t *into, const char *project, int64_t now, bool no_trunc)
{
	static const char *const text[] = {"Name",       "Names",     "ID",     "Image",
					   "Command",    "Service",   "Health", "Ports",
					   "RunningFor", "CreatedAt", "Status"};
	const char *own = json_string_value(json_object_get(o, "project"));
	json_t *pubs = json_array(), *p;
	char buf[512];
	size_t k;

	for (size_t t = 0; t < sizeof(text) / sizeof(text[0]); t++) {
		field(o, text[t], now, no_trunc, buf, sizeof(buf));
		json_object_set_new(into, text[t], json_string(buf));
	}
	json_object_set_new(into, "State", json_string(compose_state(str(o, "state"))));
	json_object_set_new(into, "ExitCode", json_integer(exit_code_of(o)));
	json_object_set_new(into, "Labels", labels_text(o));
	/* a stack's container: its project (an `lxr run` one has none, as
	 * docker ps has no Project) */
	if (own || project)
		json_object_set_new(into, "Project", json_string(own ? own : project));
	json_array_foreach(json_object_get(o, "ports"), k, p)
	{
		json_t *e = publisher(json_string_value(p) ? json_string_value(p) : "");
		if (e)
			json_array_append_new(pubs, e);
	}
	json_object_set_new(into, "Publishers", pubs);
}

json_t *cli_ps_template_dot(json_t *o, const char *project, bool no_trunc)
{
	json_t *dot = json_object(), *label = json_deep_copy(json_object_get(o, "labels"));
	const char *own = json_string_value(json_object_get(o, "project"));

	compose_keys(o, dot, project, (int64_t)time(NULL), no_trunc);
	/* what `.Label "k"` reads (docker's formatter's method): the
	 * service's labels and those compose puts on a stack's container */
	label = label ? label : json_object();
	if (own || project) {
		json_object_set_new(label, "com.docker.compose.project",
				    json_string(own ? own : project));
		json_object_set_new(label, "com.docker.compose.service",
				    json_string(str(o, "service")));
		json_object_set_new(label, "com.docker.compose.container-number",
				    json_sprintf("%lld", (long long)num(o, "replica")));
		json_object_set_new(label, "com.docker.compose.oneoff", json_string("False"));
	}
	json_object_set_new(dot, "Label", label);
	return dot;
}

void cli_ps_print_json(json_t *result, const char *project)
{
	int64_t now = (int64_t)time(NULL);
	size_t i;
	json_t *o;

	json_array_foreach(result, i, o)
	{
		char *line;
		compose_keys(o, o, project, now, true);
		/* compact, in the record's own order: lxr's keys, then docker's */
		line = json_dumps(o, JSON_COMPACT);
		if (line)
			puts(line);
		free(line);
	}
}

void cli_ps_print(json_t *result, bool no_trunc)
{
	static const char *const cols[] = {"NAME",    "IMAGE",  "COMMAND", "SERVICE",
					   "CREATED", "STATUS", "PORTS"};
	static const char *const names[] = {"Name",       "Image",  "Command", "Service",
					    "RunningFor", "Status", "Ports"};
	enum { NCOL = 7 };
	size_t w[NCOL], i, n = json_array_size(result);
	int64_t now = (int64_t)time(NULL);
	char(*cells)[NCOL][512];
	json_t *o;

	/* docker's tabwriter: each column as wide as its widest cell, three
	 * spaces between */
	cells = lxr_xcalloc(n ? n : 1, sizeof(*cells));
	/* docker's tabwriter: at least 10 wide with the padding */
	for (int c = 0; c < NCOL; c++)
		w[c] = strlen(cols[c]) > 7 ? strlen(cols[c]) : 7;
	json_array_foreach(result, i, o) for (int c = 0; c < NCOL; c++)
	{
		field(o, names[c], now, no_trunc, cells[i][c], sizeof(cells[i][c]));
		/* "…" is three bytes, one column */
		size_t len = strlen(cells[i][c]) - (strstr(cells[i][c], "…") ? 2 : 0);
		if (len > w[c])
			w[c] = len;
	}
	for (int c = 0; c < NCOL - 1; c++)
		printf("%-*s   ", (int)w[c], cols[c]);
	printf("%s\n", cols[NCOL - 1]);
	for (i = 0; i < n; i++) {
		char line[NCOL * 600];
		size_t len = 0;
		for (int c = 0; c < NCOL; c++)
			len += (size_t)snprintf(line + len, sizeof(line) - len, "%-*s   ",
						(int)w[c] + (strstr(cells[i][c], "…") ? 2 : 0),
						cells[i][c]);
		/* no padding after the last cell with something in it */
		while (len && line[len - 1] == ' ')
			line[--len] = '\0';
		puts(line);
	}
	free(cells);
}

/* n (a service, or a container's name) in a record before i */
static bool seen_before(json_t *result, size_t i, bool services, const char *n)
{
	for (size_t k = 0; k < i; k++) {
		json_t *o = json_array_get(result, k);
		const char *m =
		    services ? json_string_value(json_object_get(o, "service")) : cli_ps_name(o);
		if (m && !strcmp(m, n))
			return true;
	}
	return false;
}

/* ps -q: the containers' IDs; ps --services: each service once */
void cli_ps_print_names(json_t *result, bool services)
{
	size_t i;
	json_t *o;

	json_array_foreach(result, i, o)
	{
		/* -q: the ID, docker's name */
		const char *n =
		    services ? json_string_value(json_object_get(o, "service")) : cli_ps_name(o);
		if (n && !seen_before(result, i, services, n))
			puts(n);
	}
}

/* Below the table, why an instance is not running: its last start's error
 * whole (errno and hint, as `up` printed it) or the dependency that
 * blocked it. A table cell would cut it short. */
void cli_ps_print_errors(json_t *result)
{
	bool first = true;
	size_t i;
	json_t *o;

	json_array_foreach(result, i, o)
	{
		const char *name = json_string_value(json_object_get(o, "instance"));
		const char *blocked = json_string_value(json_object_get(o, "blocked_by"));
		json_t *e = json_object_get(o, "error");
		char buf[LXR_ERR_MSG_MAX + 128];
		lxr_err err;

		if (!e && !blocked)
			continue;
		if (first)
			putchar('\n');
		first = false;
		if (blocked) {
			printf("%s: not started: dependency %s\n", name, blocked);
			continue;
		}
		sup_err_from_json(e, &err);
		printf("%s: failed to start: %s\n", name, lxr_err_str(&err, buf, sizeof(buf)));
		if (err.hint[0])
			printf("%s: hint: %s\n", name, err.hint);
	}
}
