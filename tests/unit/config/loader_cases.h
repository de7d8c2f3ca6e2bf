/* Data-driven stack-file cases shared by test_loader*.c: every directory
 * under tests/unit/config/data/ with a stack.yaml is one case:
 *
 *   stack.yaml      the input (loaded with the case directory as cwd)
 *   expected.yaml   normalized output (load must succeed), or
 *   expected.json   the same as JSON, or
 *   expected.err    the diagnostics exactly as `lxr config` prints them
 *                   (load must fail)
 *   expected.warn   diagnostics on success (absent: there must be none)
 *   expected.run    what `lxr up` of every service refuses of a file that
 *                   loads, as the CLI prints it: settings it does not run,
 *                   and errors kept for services with profiles (absent:
 *                   nothing)
 *   env             KEY=VALUE lines: the whole environment of the load
 *   options         lines: accept_unsupported, project=NAME
 *
 * In expected files @DIR@ stands for the case directory. An expected
 * diagnostic line ending in "*" matches any line with that prefix (used
 * where the wording belongs to the text-rules code, not the loader).
 * LXR_TEST_UPDATE=1 rewrites the expected files from the actual output, for
 * review with git diff. */
#ifndef LXR_TEST_LOADER_CASES_H
#define LXR_TEST_LOADER_CASES_H

#include <stdbool.h>

/* Run every case whose name starts with prefix (and, when exclude is not
 * NULL, does not start with exclude). */
int loader_cases_run(const char *group, const char *prefix, const char *exclude);

#endif
