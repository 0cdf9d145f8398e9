/* privs.h - drop root, keeping only the capabilities routerd needs. */
#ifndef ROUTERD_PRIVS_H
#define ROUTERD_PRIVS_H

/*
 * Become 'user' (its primary group plus supplementary groups, so group
 * access to FRR's vty sockets and pluto's control socket keeps working),
 * keeping CAP_NET_ADMIN only (permitted, effective and ambient-free;
 * bounding set cleared), with no_new_privs set (nothing it executes gains
 * privileges). Returns 0 or -1 (logged).
 */
int privs_drop(const char *user);

/* Make 'dir' owned by 'user' (before dropping: routerd writes its sockets
 * and rendered files there), and its hook socket's directory dir/HOOK_DIR
 * user:root mode 0710 (only pluto's updown, root, may reach the socket).
 * Returns 0 or -1 (logged). */
int privs_own_dir(const char *user, const char *dir);

#endif
