/* Linked only into the static lxr (LXR_STATIC), whose link drops the
 * unwind tables (cmake/static-discard.ld). glibc's stdio is built with
 * -fexceptions, so its objects name the unwinder's _Unwind_Resume and the
 * C personality routine, and with them 20 KB of libgcc_eh would come in.
 * Both run only while a thread is being cancelled or an exception is
 * thrown: lxr is C and cancels no thread, and without tables nothing could
 * unwind anyway. These stand in, and end the process if ever reached. */
#include <stdlib.h>

void _Unwind_Resume(void *exception);
int __gcc_personality_v0(void);

void _Unwind_Resume(void *exception)
{
	abort();
}

int __gcc_personality_v0(void)
{
	abort();
}
