// SPDX-License-Identifier: GPL-2.0
/*
 * xcloud-kunit.ko: the KUnit suites of xcloud.ko. Each suite lives in its
 * own file and registers itself with kunit_test_suites(); loading this
 * module runs them all.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for xcloud");
MODULE_IMPORT_NS(XCLOUD_KUNIT);
