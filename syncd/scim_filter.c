/* SPDX-License-Identifier: MIT */
/* scim_filter.c: being written. */
