# Sourced by the checks that run inside the test VM (containers-check.sh,
# sublink-check.sh): say GOT WANT WHAT prints an ok or not ok line and
# counts the failures in $fails.
fails=0
say() { # GOT WANT WHAT
	if [ "$1" = "$2" ]; then
		echo "ok - $3"
	else
		echo "not ok - $3: got [$1] want [$2]"
		fails=$((fails + 1))
	fi
}
