/* SPDX-License-Identifier: MIT */
/* scim_patch.c: being written. */
