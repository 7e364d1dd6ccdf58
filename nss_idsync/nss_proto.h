/* SPDX-License-Identifier: MIT */
/*
 * The NSS entry point prototypes for one module name, from one macro so that
 * every entry point is declared exactly as glibc calls it.
 */
#ifndef NSS_PROTO_H
#define NSS_PROTO_H

#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <sys/types.h>

#define NSS_PROTOTYPES(module)                                                                      \
	enum nss_status _nss_##module##_getpwnam_r(const char *name, struct passwd *pw, char *buf,   \
						   size_t buflen, int *errnop);                   \
	enum nss_status _nss_##module##_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,          \
						   size_t buflen, int *errnop);                   \
	enum nss_status _nss_##module##_setpwent(int stayopen);                                      \
	enum nss_status _nss_##module##_getpwent_r(struct passwd *pw, char *buf, size_t buflen,      \
						   int *errnop);                                  \
	enum nss_status _nss_##module##_endpwent(void);                                              \
	enum nss_status _nss_##module##_getgrnam_r(const char *name, struct group *gr, char *buf,    \
						   size_t buflen, int *errnop);                   \
	enum nss_status _nss_##module##_getgrgid_r(gid_t gid, struct group *gr, char *buf,           \
						   size_t buflen, int *errnop);                   \
	enum nss_status _nss_##module##_setgrent(int stayopen);                                      \
	enum nss_status _nss_##module##_getgrent_r(struct group *gr, char *buf, size_t buflen,       \
						   int *errnop);                                  \
	enum nss_status _nss_##module##_endgrent(void);                                              \
	enum nss_status _nss_##module##_initgroups_dyn(const char *user, gid_t group, long *start,   \
						       long *size, gid_t **groupsp, long limit,   \
						       int *errnop)

#endif
