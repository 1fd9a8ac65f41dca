#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Run a command as on a kernel that refuses BPF_PROG_TEST_RUN with EPERM
(some refuse its live-frames mode so): a seccomp filter fails the bpf()
syscall's BPF_PROG_TEST_RUN command; every other bpf() command works.
    no_test_run.py COMMAND [ARG...]"""
import errno
import os
import sys

import seccomp

BPF_PROG_TEST_RUN = 10  # enum bpf_cmd

if len(sys.argv) < 2:
    sys.exit("usage: no_test_run.py COMMAND [ARG...]")
flt = seccomp.SyscallFilter(seccomp.ALLOW)
flt.add_rule(seccomp.ERRNO(errno.EPERM), "bpf", seccomp.Arg(0, seccomp.EQ, BPF_PROG_TEST_RUN))
flt.load()
os.execvp(sys.argv[1], sys.argv[1:])
