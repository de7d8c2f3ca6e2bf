# Sourced by the bench scripts whose timed `up` must start on a quiet host:
# the kernel frees a stack's network namespaces in the background after
# `down` has returned (a few ms each, in a kworker), and that work would
# fall on the next stack's start.
# shellcheck shell=bash

# Percent of CPU time idle over a fifth of a second.
idle_pct() {
	local a b
	read -r _ a1 a2 a3 a4 a5 a6 a7 _ </proc/stat
	a=$((a1 + a2 + a3 + a4 + a5 + a6 + a7)) b=$a4
	sleep 0.2
	read -r _ a1 a2 a3 a4 a5 a6 a7 _ </proc/stat
	echo $((100 * (a4 - b) / (a1 + a2 + a3 + a4 + a5 + a6 + a7 - a + 1)))
}

# After a second, wait (at most 60 s more) until the CPUs were 90 % idle
# over a fifth of a second.
quiet() {
	sleep 1
	for _ in $(seq 300); do
		[ "$(idle_pct)" -ge 90 ] && return 0
	done
}
