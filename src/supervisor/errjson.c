/* An lxr_err as JSON: how an error crosses the supervisor's boundary (the
 * ready pipe of `up -d`, `ps`, `events`) without losing its errno or hint,
 * so the user reads the same line the supervisor's log has. */
#define _GNU_SOURCE
#include <string.h>

#include "lxr/supervisor.h"

json_t *sup_err_json(const lxr_err *err)
{
	json_t *o = json_pack("{s:s}", "message", err->msg);

	if (err->errnum) {
		json_object_set_new(o, "errno", json_integer(err->errnum));
		json_object_set_new(o, "errno_name", json_string(lxr_errno_name(err->errnum)));
	}
	if (err->hint[0])
		json_object_set_new(o, "hint", json_string(err->hint));
	return o;
}

void sup_err_from_json(const json_t *j, lxr_err *err)
{
	const char *msg = json_string_value(json_object_get(j, "message"));
	const char *hint = json_string_value(json_object_get(j, "hint"));
	json_int_t e = json_integer_value(json_object_get(j, "errno"));

	/* an errno the other side could not have meant is dropped, not
	 * trusted: strerror of it would say something false */
	lxr_fail(err, e > 0 && e < 4096 ? (int)e : 0, "%s", msg ? msg : "unknown error");
	if (hint && *hint)
		lxr_err_hint(err, "%s", hint);
}
