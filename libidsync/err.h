/* SPDX-License-Identifier: MIT */
/*
 * Error conventions of the core: functions return int, >= 0 on success and
 * -errno on failure. Out-parameters are written only on success. Foreign codes
 * (LMDB, jansson, xmlsec) are converted once, in the file that wraps them.
 */
#ifndef IDS_ERR_H
#define IDS_ERR_H

#include <errno.h>

/* Keeps errno across a scope, for logging helpers and NSS entry points. */
static inline void
ids_errno_restore(const int *saved)
{
	errno = *saved;
}
#define PROTECT_ERRNO \
	__attribute__((cleanup(ids_errno_restore), unused)) const int _saved_errno_ = errno

#define IDS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
