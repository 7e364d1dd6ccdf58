/* SPDX-License-Identifier: MIT */
/*
 * Ends an offboarded user's processes (sessions.h): finds them in /proc,
 * audits them in the caller's transaction, and after commit signals them
 * from a detached grandchild that never touches the store.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/sessions.h"

/* Reads the real and effective uid of pid from /proc/pid/status. */
static bool
runs_as(const char *pid, uint32_t uid)
{
	char path[64], line[256];
	unsigned long ruid, euid;
	bool match = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %lu %lu", &ruid, &euid) == 2) {
			match = ruid == uid || euid == uid;
			break;
		}
	fclose(f);
	return match;
}

int
ids_sessions_list(uint32_t uid, pid_t **pids, size_t *n)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t *v = NULL;
	size_t k = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t *grown;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 1 || pid == getpid() || !runs_as(de->d_name, uid))
			continue;
		grown = realloc(v, (k + 1) * sizeof(pid_t));
		if (!grown) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v = grown;
		v[k++] = (pid_t)pid;
	}
	closedir(d);
	*pids = v;
	*n = k;
	return 0;
}

static void
signal_all(uint32_t uid, int sig)
{
	pid_t *pids = NULL;
	size_t n = 0;

	if (ids_sessions_list(uid, &pids, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		(void)kill(pids[i], sig); /* gone already, or not ours to signal: nothing to do */
	free(pids);
}

static bool
logind_running(void)
{
	struct stat st;

	/* sd_booted(3)'s test: systemd runs as init (a /run/systemd/seats alone proves nothing). */
	return stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode) &&
	       stat("/run/systemd/seats", &st) == 0 && S_ISDIR(st.st_mode);
}

/* Runs in a detached grandchild: no store, no locks, only signals. */
static void
terminate(uint32_t uid)
{
	char uidbuf[16];

	snprintf(uidbuf, sizeof(uidbuf), "%u", uid);
	if (logind_running()) {
		pid_t p = fork();
		if (p == 0) {
			execl("/usr/bin/loginctl", "loginctl", "terminate-user", uidbuf, (char *)NULL);
			_exit(127);
		}
		if (p > 0)
			(void)waitpid(p, NULL, 0);
	}
	signal_all(uid, SIGTERM);
	for (int i = 0; i < IDS_SESSIONS_GRACE_SECONDS * 10; i++) {
		pid_t *pids = NULL;
		size_t n = 1;

		if (ids_sessions_list(uid, &pids, &n) == 0)
			free(pids);
		if (n == 0)
			return;
		usleep(100000);
	}
	signal_all(uid, SIGKILL);
}

static void
end_now(void *data)
{
	uint32_t uid = (uint32_t)(uintptr_t)data;
	pid_t child = fork();

	if (child < 0)
		return;
	if (child == 0) {
		/* Double fork: the caller (a daemon, a CLI) neither waits nor gets a zombie. */
		if (fork() == 0) {
			(void)setsid();
			/*
			 * Keep nothing of the caller's: a daemon's listening socket or
			 * store must not outlive it in a helper that waits for seconds.
			 */
			(void)close_range(3, ~0U, 0);
			terminate(uid);
		}
		_exit(0);
	}
	(void)waitpid(child, NULL, 0);
}

int
ids_sessions_end_after_commit(struct ids_txn *t, uint32_t uid, const char *login)
{
	_cleanup_free_ pid_t *pids = NULL;
	char *list = NULL, uidbuf[16], count[16];
	size_t n = 0, len = 0;
	FILE *m;
	int r;

	if (uid < 1000)
		return -EPERM;
	r = ids_sessions_list(uid, &pids, &n);
	if (r < 0)
		return r;
	m = open_memstream(&list, &len);
	if (!m)
		return -ENOMEM;
	/* Name what will be ended: pid and command, the first 32 of them. */
	for (size_t i = 0; i < n && i < 32; i++) {
		char path[64], comm[64] = "?";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		f = fopen(path, "re");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		fprintf(m, "%s%d/%s", i ? "," : "", (int)pids[i], comm);
	}
	if (fclose(m) != 0) {
		free(list);
		return -ENOMEM;
	}
	snprintf(uidbuf, sizeof(uidbuf), "%u", uid);
	snprintf(count, sizeof(count), "%zu", n);
	r = ids_audit(t, IDS_MSG_SESSIONS_ENDED, "user", login, "uid", uidbuf, "processes", count,
		      "pids", list, IDS_END);
	free(list);
	if (r < 0)
		return r;
	return ids_txn_after_commit(t, end_now, (void *)(uintptr_t)uid, NULL);
}
