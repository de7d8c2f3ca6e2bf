/* A private scratch filesystem for the fuzz targets that write files (the
 * layer unpacker, the image store, the control socket). */
#ifndef LXR_FUZZ_SCRATCH_H
#define LXR_FUZZ_SCRATCH_H

/* Call from LLVMFuzzerInitialize with libFuzzer's arguments. Moves the
 * process into a mount namespace of its own where every mount is read-only
 * except the directories libFuzzer writes to (the corpus directories named
 * in argv, the artifact prefix's directory, the working directory), and
 * returns an fd on the root of an empty tmpfs that is mounted nowhere
 * (0700, nosuid, nodev, noexec, 256 MiB): a path into it is
 * "/proc/self/fd/<fd>/...". It goes away with the process. Exits with a
 * message when any of that fails: a target that writes files never runs
 * without it. */
int fuzz_scratch_open(int argc, char **argv);

#endif
