/* SPDX-License-Identifier: MIT */
/* scim_schema.c: being written. */
