/* lxr.conf for both programs, lxr and lxr-image: they must agree on where
 * the store is. */
#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/settings.h"

/* lxr_dirs_configure keeps the pointers: these live as long as lxr. */
static struct cfg_settings s;

const struct cfg_settings *cli_settings(void)
{
	return &s;
}

int cli_apply_settings(void)
{
	lxr_err err = {0};

	if (cfg_settings_load(NULL, &s, &err) < 0) {
		lxr_err_print(&err);
		return -1;
	}
	lxr_dirs_configure(s.run_dir, s.data_dir, s.log_dir);
	lxr_log_limits_configure(s.log_max_size, s.log_max_file);
	lxr_net_pool_configure(s.pool_addr, s.pool_prefix, s.pool_size);
	lxr_pids_limit_configure(s.pids_limit);
	lxr_userns_configure(s.userns_mode, s.userns_start, s.userns_count);
	lxr_userns_shift_configure(s.userns_shift_copy);
	lxr_cgroup_parent_configure(s.cgroup_parent);
	lxr_cdi_dirs_configure(s.cdi_spec_dirs);
	return 0;
}
