/* SPDX-License-Identifier: MIT */
/*
 * Scope-bound cleanup helpers (__attribute__((cleanup))) used across idsync.
 * TAKE_PTR() hands a value on so the cleanup does nothing.
 */
#ifndef IDS_CLEANUP_H
#define IDS_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void
ids_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(ids_freep)

static inline void
ids_closep(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
}
#define _cleanup_close_ _cleanup_(ids_closep)

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_tf;                                                                               \
	})

#endif
