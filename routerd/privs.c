/* privs.c - privilege drop with libcap-ng. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>

#include "plugins/hookmsg.h"
#include "routerd/log.h"
#include "routerd/privs.h"
#include "routerd/probe.h"

int
privs_drop(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		log_warnx("privileges: no user \"%s\" (create it: useradd --system %s)", user, user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0) {
		log_warn("privileges: initgroups %s", user);
		return -1;
	}
	/* The ICMP socket of the probes and LAN checks, while still root: the
	 * daemon then needs no CAP_NET_RAW (nor a ping_group_range that
	 * includes its group). Opened whatever the configuration says, so a
	 * reload may add probes; one idle socket that only lets echo replies
	 * through (ICMP_FILTER). */
	probe_preopen();
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN) != 0) {
		log_warnx("privileges: capng_update failed");
		return -1;
	}
	/* Keep the supplementary groups initgroups() just set. */
	if (capng_change_id((int)pw->pw_uid, (int)pw->pw_gid, CAPNG_CLEAR_BOUNDING) != 0) {
		log_warnx("privileges: cannot become %s (capng_change_id)", user);
		return -1;
	}
	/* Nothing routerd runs from now on may gain privileges (setuid or
	 * file capabilities): it runs libreswan's tools through routerd-priv. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_warn("privileges: no_new_privs");
		return -1;
	}
	log_info("privileges: running as %s (uid %u), capabilities: cap_net_admin, "
		 "no_new_privs", user, (unsigned)pw->pw_uid);
	return 0;
}

int
privs_own_dir(const char *user, const char *dir)
{
	struct passwd *pw = getpwnam(user);
	char hook[4096];
	struct stat sb;

	if (pw == NULL) {
		log_warnx("privileges: no user \"%s\" (create it: useradd --system %s)", user, user);
		return -1;
	}
	if (chown(dir, pw->pw_uid, pw->pw_gid) != 0) {
		log_warn("chown %s", dir);
		return -1;
	}
	/* The hook socket's directory (swan_hook.c): user:root 0710, so pluto's
	 * updown (uid 0, gid 0, no CAP_DAC_*) may reach the socket and no
	 * other user may. */
	if ((size_t)snprintf(hook, sizeof(hook), "%s/" HOOK_DIR, dir) >= sizeof(hook)) {
		log_warnx("privileges: %s: path too long", dir);
		return -1;
	}
	if ((mkdir(hook, 0710) != 0 && errno != EEXIST) || lstat(hook, &sb) != 0 ||
	    !S_ISDIR(sb.st_mode) || chown(hook, pw->pw_uid, 0) != 0 || chmod(hook, 0710) != 0) {
		log_warn("privileges: hook directory %s", hook);
		return -1;
	}
	return 0;
}
