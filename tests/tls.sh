# shellcheck shell=bash
# Throwaway certificates for the shell tests (openssl, EC P-256, valid one
# day): tls_ca KEY PEM CN makes a CA; tls_cert CA_PEM CA_KEY KEY PEM CN SAN
# USAGE makes a certificate it signs (SAN: "IP:127.0.0.1,DNS:localhost";
# USAGE: serverAuth, clientAuth or both). Each returns non-zero when
# openssl fails.
TLS_EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)

tls_ca() {
	openssl req -x509 "${TLS_EC[@]}" -keyout "$1" -out "$2" -days 1 -subj "/CN=$3" 2>/dev/null
}

tls_cert() {
	local ca=$1 ca_key=$2 key=$3 pem=$4 cn=$5 san=$6 usage=$7
	printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$san" "$usage" >"$pem.ext"
	openssl req "${TLS_EC[@]}" -keyout "$key" -out "$pem.csr" -subj "/CN=$cn" 2>/dev/null &&
		openssl x509 -req -in "$pem.csr" -CA "$ca" -CAkey "$ca_key" -CAcreateserial \
			-out "$pem" -days 1 -extfile "$pem.ext" 2>/dev/null
	local rc=$?
	rm -f "$pem.csr" "$pem.ext"
	return $rc
}
