/* The help of the commands that ask a running supervisor (cmd_ctl.c):
 * ps, stop, start, restart, kill, top, in the format every command's
 * --help has (usage line, description, options, examples). */
#define _GNU_SOURCE
#include <string.h>

#include "cli/cli.h"

#define OPT_F "  -f, --file FILE        the stack file (default: compose.yaml & co. here)\n"
#define OPT_P "  -p, --project-name N   the project (default: the stack file's)\n"
#define OPT_DRY                                                                                    \
	"      --dry-run          say which containers it would act on, as compose's\n"            \
	"                         \"DRY-RUN MODE - \" lines; do nothing\n"

/* Each command's own help (the format every command's --help has: usage
 * line, description, options, examples). */
static const struct {
	const char *cmd, *text;
} usage_texts[] = {
    {"ps", "usage: lxr ps [-f FILE] [-p NAME] [-a] [-q | --services] [--status STATE]\n"
	   "              [--filter status=STATE|service=NAME|name=PART|label=K[=V]]\n"
	   "              [--format table|json|TEMPLATE]\n"
	   "              [--no-trunc] [--orphans=false] [SERVICE...]\n"
	   "\n"
	   "List the stack's running containers (the instances of each service, or\n"
	   "of the services named; running, paused or restarting) as docker compose\n"
	   "ps does: NAME, IMAGE, COMMAND, SERVICE, CREATED, STATUS (\"Up 2 minutes\n"
	   "(healthy)\", \"Exited (1) 3 seconds ago\") and PORTS. Why an instance\n"
	   "could not start is said below the table (-a lists it).\n"
	   "\n" OPT_F OPT_P "  -a, --all              the created, exited and stopped ones too\n"
	   "  -q, --quiet            only the instance names (lxr's container ids)\n"
	   "      --services         only the service names\n"
	   "      --status STATE     only instances in STATE: compose's running,\n"
	   "                         restarting, removing, exited, created, dead, or\n"
	   "                         one of lxr's (healthy, backoff, stopped, ...);\n"
	   "                         also as --filter status=STATE (a stopped\n"
	   "                         state needs no -a); again: any of them\n"
	   "      --filter service=S only the instances of service S; name=PART those\n"
	   "                         whose name holds PART; label=K[=V] those with\n"
	   "                         label K (of value V); several: all of them hold\n"
	   "      --format F         table (the default), json (one line a container,\n"
	   "                         as docker's: lxr's whole record with docker\n"
	   "                         compose's keys beside it: Name, Service, State,\n"
	   "                         Health, ExitCode, Status, Publishers, Project,\n"
	   "                         ...), or a template of {{.Name}}\n"
	   "                         {{.Image}} {{.Command}} {{.Service}}\n"
	   "                         {{.RunningFor}} {{.CreatedAt}} {{.Status}}\n"
	   "                         {{.State}} {{.Health}} {{.ExitCode}} {{.Ports}}\n"
	   "                         ({{.State}} is compose's word, as json's State)\n"
	   "      --no-trunc         the whole command\n"
	   "      --orphans=false    not the containers of services the file no\n"
	   "                         longer has (default true)\n"
	   "\n"
	   "Example:\n"
	   "  lxr ps -a\n"
	   "  lxr ps --format json | jq -r .Name\n"
	   "  lxr ps --format '{{.Name}}\\t{{.Status}}' --status exited\n"},
    {"top", "usage: lxr top [-f FILE] [-p NAME] [--format json] [SERVICE...]\n"
	    "\n"
	    "List the processes running in each of the stack's containers (those of\n"
	    "the services named, or all), read from their cgroups and /proc, in one\n"
	    "table as docker compose top prints it: SERVICE, # (the replica), and\n"
	    "ps -ef's UID PID PPID C STIME TTY TIME CMD (host pids; the user's name\n"
	    "from the host's /etc/passwd). `lxr top NAME` of an lxr run container\n"
	    "prints docker top's table of ps -ef's columns (docker's ps options\n"
	    "after NAME are not taken). json: each instance with its processes'\n"
	    "pid, ppid, uid, tty, started (epoch seconds), cpu_seconds and cmd.\n"
	    "\n" OPT_F OPT_P "      --format F         table (the default) or json\n"
	    "\n"
	    "Example:\n"
	    "  lxr top web\n"},
    {"stop",
     "usage: lxr stop [-f FILE] [-p NAME] [-t SECONDS] [SERVICE...]\n"
     "\n"
     "Stop the services named (or all of them, in reverse dependency order):\n"
     "their stop signal, then SIGKILL after the grace period. They stay\n"
     "stopped, whatever their restart policy, until `lxr start`. Returns once\n"
     "they have stopped.\n"
     "\n" OPT_F OPT_P "  -t, --timeout N        seconds before SIGKILL, instead of the service's\n"
     "                         stop_grace_period\n" OPT_DRY "\n"
     "Example:\n"
     "  lxr stop web\n"
     "  lxr stop -t 1\n"},
    {"start",
     "usage: lxr start [-f FILE] [-p NAME] [--wait [--wait-timeout N]] [SERVICE...]\n"
     "\n"
     "Start the stack's stopped or exited containers again (those of the\n"
     "services named, or all). Returns once they run; one that cannot start is\n"
     "a failure (exit 1), said as `up` says it. With no stack file here, NAME\n"
     "is an `lxr run` container kept without --rm: started again in the\n"
     "background, on its own writable layer, as docker start does.\n"
     "\n" OPT_F OPT_P "      --wait             then wait, as up --wait, until every container\n"
     "                         runs (healthy where it has a check) or completed\n"
     "      --wait-timeout N   give up (exit 1) after N seconds (implies --wait)\n" OPT_DRY "\n"
     "Example:\n"
     "  lxr start web\n"},
    {"restart",
     "usage: lxr restart [-f FILE] [-p NAME] [-t SECONDS] [--no-deps] [SERVICE...]\n"
     "\n"
     "Stop and start the services named (or all of them), and the services\n"
     "that depend on them with restart: true. Returns once they run again;\n"
     "one that cannot start is a failure (exit 1).\n"
     "\n" OPT_F OPT_P "  -t, --timeout N        seconds before SIGKILL, instead of the service's\n"
     "                         stop_grace_period\n"
     "      --no-deps          not the services that depend on them\n" OPT_DRY "\n"
     "Example:\n"
     "  lxr restart worker\n"},
    {"kill",
     "usage: lxr kill [-f FILE] [-p NAME] [-s SIGNAL] [SERVICE...]\n"
     "\n"
     "Send a signal to the containers of the services named (or all of them).\n"
     "KILL (the default) or a service's stop signal stops it for good, as\n"
     "docker's kill: its restart policy does not bring it back (lxr start\n"
     "does). Another signal (HUP to reload) leaves the policy to act if the\n"
     "container ends.\n"
     "\n" OPT_F OPT_P "  -s, --signal SIG       the signal: a name (TERM, SIGHUP) or a number\n"
     "                         (default KILL)\n" OPT_DRY "\n"
     "Example:\n"
     "  lxr kill -s HUP web\n"},
};

const char *ctl_usage_of(const char *cmd)
{
	for (size_t i = 0; i < sizeof(usage_texts) / sizeof(usage_texts[0]); i++)
		if (!strcmp(cmd, usage_texts[i].cmd))
			return usage_texts[i].text;
	return usage_texts[0].text;
}
