/* SPDX-License-Identifier: MIT */
/* scim_resource.c: being written. */
