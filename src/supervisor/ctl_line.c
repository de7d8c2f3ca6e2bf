/* One line from a control client made into a request, or into the reason it
 * is none: pure, so the fuzzer (tests/fuzz/fuzz_ctl.c) reaches it without
 * a socket. ctl_io.c calls it for every line it takes off a client. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "supervisor/ctl_internal.h"

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static int refuse(struct ctl_line *l, const char *why)
{
	snprintf(l->error, sizeof(l->error), "%s", why);
	return -1;
}

int ctl_line_parse(const char *line, size_t len, struct ctl_line *l)
{
	json_error_t je;
	json_t *id, *cmd;

	memset(l, 0, sizeof(*l));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (blank(line, len))
		return 0; /* blank lines are allowed between requests */
	/* jansson bounds nesting (JSON_PARSER_MAX_DEPTH) and rejects bad
	 * UTF-8, so a hostile line costs an error reply, not the stack. */
	l->doc = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!l->doc) {
		snprintf(l->error, sizeof(l->error), "malformed request at column %d: %s",
			 je.column, je.text);
		/* jansson quotes the bytes it stopped at ("near '...'"): a
		 * reply cannot carry bytes that are not UTF-8, and one that
		 * failed to encode would leave the line without an answer. */
		for (char *p = l->error; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		return -1;
	}
	if (!json_is_object(l->doc))
		return refuse(l, "a request is a JSON object");
	id = json_object_get(l->doc, "id");
	cmd = json_object_get(l->doc, "cmd");
	l->args = json_object_get(l->doc, "args");
	if (!json_is_integer(id))
		return refuse(l, "the request has no integer \"id\"");
	l->id = id;
	if (!json_is_string(cmd))
		return refuse(l, "the request has no \"cmd\" string");
	l->cmd = json_string_value(cmd);
	if (!l->args || json_is_null(l->args))
		l->args = l->own_args = json_object();
	else if (!json_is_object(l->args))
		return refuse(l, "\"args\" must be an object");
	return 1;
}

void ctl_line_free(struct ctl_line *l)
{
	json_decref(l->own_args);
	json_decref(l->doc);
	memset(l, 0, sizeof(*l));
}
