/* SPDX-License-Identifier: MIT */
/*
 * Stable message ids, one per event kind. They go to the journal as
 * MESSAGE_ID= and to syslog as the short tag. Never change or reuse one:
 * docs/messages.md documents each.
 */
#ifndef IDS_LOG_IDS_H
#define IDS_LOG_IDS_H

/* Each id: a short tag (syslog) and a 128-bit id (journal, hex). */
struct ids_msgid {
	const char *tag;
	const char *id;
};

#define IDS_MSG_USER_PROVISIONED  ((struct ids_msgid){"user-provisioned", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a01"})
#define IDS_MSG_USER_UPDATED      ((struct ids_msgid){"user-updated", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a02"})
#define IDS_MSG_USER_DEACTIVATED  ((struct ids_msgid){"user-deactivated", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a03"})
#define IDS_MSG_USER_DELETED      ((struct ids_msgid){"user-deleted", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a04"})
#define IDS_MSG_USER_REFUSED      ((struct ids_msgid){"user-refused", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a05"})
#define IDS_MSG_ID_COLLISION      ((struct ids_msgid){"id-collision", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a06"})
#define IDS_MSG_GRANT             ((struct ids_msgid){"grant", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a10"})
#define IDS_MSG_REVOKE            ((struct ids_msgid){"revoke", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a11"})
#define IDS_MSG_GRANT_SOURCE_REMOVED ((struct ids_msgid){"grant-source-removed", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a14"})
#define IDS_MSG_SEAT_REFUSED      ((struct ids_msgid){"seat-refused", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a12"})
#define IDS_MSG_LOGIN_ALLOWED     ((struct ids_msgid){"login-allowed", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a20"})
#define IDS_MSG_LOGIN_DENIED      ((struct ids_msgid){"login-denied", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a21"})
#define IDS_MSG_SESSIONS_ENDED    ((struct ids_msgid){"sessions-ended", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a13"})
#define IDS_MSG_TOKEN_USED        ((struct ids_msgid){"token-used", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a30"})
#define IDS_MSG_SNAPSHOT_PUBLISHED ((struct ids_msgid){"snapshot-published", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a40"})
#define IDS_MSG_STORE_MIGRATED    ((struct ids_msgid){"store-migrated", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a41"})
#define IDS_MSG_CONFIG_CHANGED    ((struct ids_msgid){"config-changed", "5b0e6c1a9f2d4d7e8a31c2f4b6d80a42"})

#endif
