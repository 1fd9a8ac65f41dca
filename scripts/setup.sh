#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Install what botsink needs from Debian (12, bookworm) and mount the BPF
# filesystem. Installs only what is missing; safe to run again. Root only.
set -euo pipefail

BUILD_PACKAGES=(make gcc clang llvm libbpf-dev libxdp-dev libelf-dev zlib1g-dev bpftool
	libssl-dev libmaxminddb-dev libnats-dev liblz4-dev libinih-dev libcrypt-dev libmicrohttpd-dev libgnutls28-dev)
RUN_PACKAGES=(iproute2 util-linux)
TEST_PACKAGES=(python3-scapy python3-cryptography libjansson-dev nats-server openssl curl bind9-dnsutils ethtool iputils-ping tcpdump
	libclang-rt-14-dev libpcap-dev nftables libmaxmind-db-writer-perl python3-seccomp prometheus tmux)

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: run as root (apt-get, mount)" >&2
	exit 2
fi

missing=()
for pkg in "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
echo "setup.sh: ready"
