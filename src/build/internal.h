/* Shared by the build layer's own files only. */
#ifndef LXR_BUILD_INTERNAL_H
#define LXR_BUILD_INTERNAL_H

#include "lxr/build.h"

/* Where a stretch of an instruction's joined text came from: continuation
 * lines are joined, so an offset in the text maps back to a line and a
 * column through these. */
struct dfp_seg {
	size_t off;
	int line, col;
};

struct dfp {
	const char *name;
	lxr_err *err;
	struct df_file *f;
	struct dfp_seg *segs;
	size_t n_segs, cap_segs;
};

/* err = "NAME:LINE:COL: what"; returns -1 */
int dfp_fail(struct dfp *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* attach a hint to the error just made; returns r */
int dfp_hint(int r, struct dfp *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* line and column of offset off in the instruction's joined text */
void dfp_pos(const struct dfp *p, size_t off, int *line, int *col);
/* Parse one instruction from its joined text, starting at offset off (0,
 * or past ONBUILD for a trigger). top: heredocs are allowed. */
int dfp_instruction(struct dfp *p, const char *text, size_t off, struct df_instr *in, bool top);

#endif
