// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The metrics endpoint on real loopback sockets: what a scrape gets
 * (body, Content-Type, HEAD, 404, 405), a port that is taken, addresses
 * refused before anything is bound, a scraper that hangs up mid-answer,
 * and TLS with client certificates checked through curl, with a CA, a
 * server and client certificates made by openssl in a temporary
 * directory, removed at the end.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "lib/strbuf.h"
#include "lib/util.h"
#include "metrics/expo.h"
#include "metrics/server.h"
#include "unit.h"

#define WANT_BODY                                     \
	"# HELP botsink_test_total A test counter.\n" \
	"# TYPE botsink_test_total counter\n"         \
	"botsink_test_total{rule=\"a\\\"b\"} 42\n"
#define BIG_LINES 40000 /* about 1.5 MB: more than the socket buffers take at once */

static atomic_int renders;
static atomic_bool render_big;
static char dir[] = "/tmp/botsink-metrics-XXXXXX";

static void render(void *arg, struct strbuf *out)
{
	(void)arg;
	atomic_fetch_add(&renders, 1);
	expo_family(out, "botsink_test_total", EXPO_COUNTER, "A test counter.");
	expo_u64(out, "botsink_test_total", (const char *[]){ "rule", "a\"b", NULL }, 42);
	for (int i = 0; atomic_load(&render_big) && i < BIG_LINES; i++)
		expo_u64(out, "botsink_test_filler", NULL, (uint64_t)i);
}

/* A port free now: bound to port 0 for the kernel to pick, then let go. */
static unsigned int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		perror("free_port");
		exit(1);
	}
	close(fd);
	return ntohs(a.sin_port);
}

static bool have_ipv6_loopback(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a));

	if (fd >= 0)
		close(fd);
	return ok;
}

static int connect_loopback(int family, unsigned int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 3 };
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	a6.sin6_port = htons((uint16_t)port);
	a4.sin_port = htons((uint16_t)port);
	if (family == AF_INET6)
		rc = connect(fd, (struct sockaddr *)&a6, sizeof(a6));
	else
		rc = connect(fd, (struct sockaddr *)&a4, sizeof(a4));
	if (rc) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on a new connection; the answer, read until the server closes. */
static bool http(int family, unsigned int port, const char *request, struct strbuf *answer)
{
	int fd = connect_loopback(family, port);
	char buf[4096];
	ssize_t n;

	sb_reset(answer);
	if (fd < 0)
		return false;
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		close(fd);
		return false;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_append(answer, buf, (size_t)n);
	close(fd);
	return n == 0 && answer->len > 0;
}

static int status_of(const struct strbuf *answer)
{
	if (!answer->buf || strncmp(answer->buf, "HTTP/1.1 ", 9))
		return -1;
	return atoi(answer->buf + 9);
}

/* A header's value (up to the line's end) in `out`, or "" without it. */
static const char *header_of(const struct strbuf *answer, const char *name, char *out, size_t len)
{
	const char *end = answer->buf ? strstr(answer->buf, "\r\n\r\n") : NULL;
	size_t n = strlen(name);

	out[0] = '\0';
	for (const char *p = answer->buf; end && (p = strstr(p, "\r\n")) && p < end; p += 2) {
		const char *v = p + 2, *eol;

		if (strncasecmp(v, name, n) || v[n] != ':')
			continue;
		v += n + 1 + strspn(v + n + 1, " ");
		eol = strstr(v, "\r\n");
		snprintf(out, len, "%.*s", (int)(eol - v), v);
		break;
	}
	return out;
}

static const char *body_of(const struct strbuf *answer)
{
	const char *end = answer->buf ? strstr(answer->buf, "\r\n\r\n") : NULL;

	return end ? end + 4 : "";
}

#define REQ(method, path, extra) \
	method " " path " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" extra "\r\n"

static struct metrics_server *start(const char *listen, char *err, size_t errlen)
{
	struct metrics_config cfg = { .listen = listen };

	err[0] = '\0';
	return metrics_start(&cfg, render, NULL, err, errlen);
}

/* GET and HEAD /metrics, with or without a query. */
static void check_scrape(int family, unsigned int port)
{
	struct strbuf a = { 0 };
	char value[128], len[16];
	int before = atomic_load(&renders);

	CHECK(http(family, port, REQ("GET", "/metrics", ""), &a));
	CHECK_INT(status_of(&a), 200);
	CHECK_STR(header_of(&a, "Content-Type", value, sizeof(value)), EXPO_CONTENT_TYPE);
	snprintf(len, sizeof(len), "%zu", strlen(WANT_BODY));
	CHECK_STR(header_of(&a, "Content-Length", value, sizeof(value)), len);
	CHECK_STR(body_of(&a), WANT_BODY);
	CHECK_INT(atomic_load(&renders), before + 1);

	CHECK(http(family, port, REQ("HEAD", "/metrics", ""), &a));
	CHECK_INT(status_of(&a), 200);
	CHECK_STR(header_of(&a, "Content-Type", value, sizeof(value)), EXPO_CONTENT_TYPE);
	CHECK_STR(header_of(&a, "Content-Length", value, sizeof(value)), len);
	CHECK_STR(body_of(&a), "");

	CHECK(http(family, port, REQ("GET", "/metrics?name[]=x&debug=1", ""), &a));
	CHECK_INT(status_of(&a), 200);
	CHECK_STR(body_of(&a), WANT_BODY);
	sb_free(&a);
}

static void check_wrong_requests(unsigned int port)
{
	struct strbuf a = { 0 };
	char value[128];
	int before = atomic_load(&renders);

	CHECK(http(AF_INET, port, REQ("GET", "/other", ""), &a));
	CHECK_INT(status_of(&a), 404);
	CHECK(http(AF_INET, port, REQ("GET", "/metrics/", ""), &a));
	CHECK_INT(status_of(&a), 404);
	CHECK(http(AF_INET, port, REQ("GET", "/", ""), &a));
	CHECK_INT(status_of(&a), 404);
	CHECK(http(AF_INET, port, REQ("POST", "/metrics", "Content-Length: 5\r\n") "hello", &a));
	CHECK_INT(status_of(&a), 405);
	CHECK_STR(header_of(&a, "Allow", value, sizeof(value)), "GET, HEAD");
	CHECK(http(AF_INET, port, REQ("DELETE", "/metrics", ""), &a));
	CHECK_INT(status_of(&a), 405);
	CHECK_STR(header_of(&a, "Allow", value, sizeof(value)), "GET, HEAD");
	CHECK_INT(atomic_load(&renders), before);
	sb_free(&a);
}

static void path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* stderr into a file for a while: what the server logged. */
static int stderr_saved = -1;

static void capture_stderr(void)
{
	char file[256];
	int fd;

	path(file, sizeof(file), "stderr");
	fflush(stderr);
	stderr_saved = dup(2);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, 2);
	close(fd);
}

static char *captured_stderr(void)
{
	char file[256];

	fflush(stderr);
	dup2(stderr_saved, 2);
	close(stderr_saved);
	path(file, sizeof(file), "stderr");
	return read_file(file, SIZE_MAX, NULL);
}

static int count(const char *text, const char *s)
{
	int n = 0;

	for (const char *p = text; p && (p = strstr(p, s)); p += strlen(s))
		n++;
	return n;
}

/*
 * Scrapers that hang up while a large answer is on its way: the process
 * does not ignore SIGPIPE here, so MHD must not raise it.
 */
static void check_hangups(unsigned int port)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	struct strbuf a = { 0 };
	const char *req = REQ("GET", "/metrics", "");
	char c, *log;

	capture_stderr();
	atomic_store(&render_big, true);
	for (int i = 0; i < 5; i++) {
		int fd = connect_loopback(AF_INET, port);

		CHECK(fd >= 0);
		if (fd < 0)
			continue;
		CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
		CHECK(read(fd, &c, 1) == 1); /* the answer has begun */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(fd);
	}
	atomic_store(&render_big, false);
	CHECK(http(AF_INET, port, REQ("GET", "/metrics", ""), &a));
	CHECK_STR(body_of(&a), WANT_BODY);
	sb_free(&a);
	/* MHD's complaints about them: one, the rest held back for a while. */
	log = captured_stderr();
	CHECK(count(log, "metrics: ") <= 1);
	free(log);
}

static void test_plain(void)
{
	unsigned int port = free_port();
	struct metrics_server *s, *again;
	char listen[64], err[256], want[128];

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	s = start(listen, err, sizeof(err));
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	check_scrape(AF_INET, port);
	check_wrong_requests(port);
	check_hangups(port);

	/* The port is taken: said as such. */
	again = start(listen, err, sizeof(err));
	CHECK(again == NULL);
	metrics_stop(again);
	snprintf(want, sizeof(want), "--metrics %s: cannot listen: Address already in use", listen);
	CHECK_STR(err, want);

	/* Stopped, the port is free again. */
	metrics_stop(s);
	metrics_stop(NULL);
	s = start(listen, err, sizeof(err));
	CHECK(s != NULL);
	check_scrape(AF_INET, port);
	metrics_stop(s);
}

/* A server listening on host (an address in brackets) and port answers a scrape over family. */
static void check_listen(const char *host, unsigned int port, int family)
{
	struct metrics_server *s;
	char listen[64], err[256];

	snprintf(listen, sizeof(listen), "%s:%u", host, port);
	s = start(listen, err, sizeof(err));
	CHECK(s != NULL);
	if (s)
		check_scrape(family, port);
	metrics_stop(s);
}

static void test_ipv6(void)
{
	unsigned int port = free_port();

	if (!have_ipv6_loopback()) {
		printf("test_metrics_server: no IPv6 loopback, [::1] skipped\n");
		return;
	}
	check_listen("[::1]", port, AF_INET6);
	/* 127.0.0.1 mapped into IPv6 is loopback too, and reached over IPv4. */
	check_listen("[::ffff:127.0.0.1]", port, AF_INET);
}

static void check_refused(const char *listen, const char *want)
{
	struct metrics_server *s;
	char err[256];

	s = start(listen, err, sizeof(err));
	CHECK(s == NULL);
	metrics_stop(s);
	if (strcmp(err, want))
		fprintf(stderr, "  for '%s':\n", listen);
	CHECK_STR(err, want);
}

static void check_not_addr(const char *listen)
{
	char want[256];

	snprintf(want, sizeof(want), "--metrics '%s': not ADDR:PORT (a numeric address and a port)",
		 listen);
	check_refused(listen, want);
}

static void check_not_loopback(const char *listen)
{
	char want[256];

	snprintf(want, sizeof(want),
		 "--metrics %s is not a loopback address: give --metrics-cert, --metrics-key and "
		 "--metrics-ca (scrapers must present a client certificate)",
		 listen);
	check_refused(listen, want);
}

static void test_bad_addresses(void)
{
	static const char *const bad[] = {
		"",
		"127.0.0.1",
		"127.0.0.1:",
		":9464",
		"host:80",
		"localhost:9464",
		"127.1:9464",
		" 127.0.0.1:9464",
		"127.0.0.1:9464 ",
		"127.0.0.1:+9464",
		"127.0.0.1:-1",
		"127.0.0.1:0x50",
		"127.0.0.1:123456",
		"[::1]",
		"[::1]:",
		"[::1]9464",
		"::1:9464",
		"[127.0.0.1]:9464",
		"[::1%lo]:9464",
		"[fe80::1%eth0]:9464",
		"[::1]:9464x",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		check_not_addr(bad[i]);
	check_refused("127.0.0.1:0", "--metrics '127.0.0.1:0': the port must be 1 to 65535");
	check_refused("127.0.0.1:99999",
		      "--metrics '127.0.0.1:99999': the port must be 1 to 65535");
	check_refused("[::1]:65536", "--metrics '[::1]:65536': the port must be 1 to 65535");
	check_refused("[::1]:00000", "--metrics '[::1]:00000': the port must be 1 to 65535");

	/* Not loopback, wildcards too: refused before anything is bound. */
	check_not_loopback("10.1.2.3:9464");
	check_not_loopback("0.0.0.0:9464");
	check_not_loopback("128.0.0.1:9464");
	check_not_loopback("[::]:9464");
	check_not_loopback("[::2]:9464");
	check_not_loopback("[::ffff:10.0.0.1]:9464");
}

/* The test PKI: a CA, its server and client certificates, and another CA's client. */
static bool make_certs(void)
{
	static const char script[] =
		"(set -e; cd '%s'; "
		"key='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'; "
		"printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext; "
		"printf 'extendedKeyUsage=clientAuth\\n' > client.ext; "
		"for ca in ca other; do "
		"  openssl req -x509 $key -keyout $ca.key -out $ca.pem -days 2 -subj /CN=$ca; "
		"done; "
		"sign() { "
		"  openssl req -new $key -keyout $1.key -out $1.csr -subj /CN=$1; "
		"  openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial "
		"    -days 2 -extfile $3.ext -out $1.pem; "
		"}; "
		"sign server ca server; sign client ca client; sign stranger other client; "
		"echo not a certificate > junk.pem) >/dev/null 2>&1";
	char cmd[2048];
	int rc;

	snprintf(cmd, sizeof(cmd), script, dir);
	rc = system(cmd);
	CHECK_INT(rc, 0);
	return rc == 0;
}

/*
 * curl with `client` (a name of make_certs, or NULL: no certificate):
 * the status (0: no HTTP answer, such as a failed handshake) and body.
 */
static int curl(unsigned int port, const char *client, struct strbuf *body)
{
	char cmd[1024], out[256], auth[512] = "", buf[4096];
	int status = -1;
	size_t n;
	FILE *f;

	sb_reset(body);
	path(out, sizeof(out), "curl.out");
	unlink(out);
	if (client)
		snprintf(auth, sizeof(auth), "--cert %s/%s.pem --key %s/%s.key", dir, client, dir,
			 client);
	snprintf(cmd, sizeof(cmd),
		 "curl -sS --max-time 5 --cacert %s/ca.pem %s -o %s -w '%%{http_code}' "
		 "https://127.0.0.1:%u/metrics 2>/dev/null",
		 dir, auth, out, port);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &status) != 1)
		status = -1;
	pclose(f);
	f = fopen(out, "r");
	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_append(body, buf, n);
	if (f)
		fclose(f);
	return status;
}

static void check_scrapers(unsigned int port)
{
	struct strbuf body = { 0 };
	char *log;

	CHECK_INT(curl(port, "client", &body), 200);
	CHECK_STR(body.buf, WANT_BODY);

	/* Refused: no certificate, another CA's, and the server's own (not for clients). */
	capture_stderr();
	CHECK_INT(curl(port, NULL, &body), 403); /* the handshake asks, handle() refuses */
	CHECK(!body.buf || !strstr(body.buf, "botsink_test_total"));
	CHECK_INT(curl(port, "stranger", &body), 403);
	CHECK(!body.buf || !strstr(body.buf, "botsink_test_total"));
	CHECK_INT(curl(port, "server", &body), 403);
	CHECK(!body.buf || !strstr(body.buf, "botsink_test_total"));
	log = captured_stderr();
	/* One warning for the three: the others came within its interval. */
	CHECK_INT(count(log, "refused a scraper"), 1);
	CHECK(count(log, "refused a scraper: no client certificate") == 1);
	if (count(log, "refused a scraper") != 1)
		fprintf(stderr, "  logged: %s\n", log ? log : "(nothing)");
	free(log);

	CHECK_INT(curl(port, "client", &body), 200);
	CHECK_STR(body.buf, WANT_BODY);
	sb_free(&body);
}

/* cert, key and ca: names in the test directory, or NULL. */
static struct metrics_server *start_tls(const char *listen, const char *cert, const char *key,
					const char *ca, char *err, size_t errlen)
{
	char c[256], k[256], a[256];
	struct metrics_config cfg = { .listen = listen };

	path(c, sizeof(c), cert ? cert : "");
	path(k, sizeof(k), key ? key : "");
	path(a, sizeof(a), ca ? ca : "");
	cfg.cert = cert ? c : NULL;
	cfg.key = key ? k : NULL;
	cfg.ca = ca ? a : NULL;
	err[0] = '\0';
	return metrics_start(&cfg, render, NULL, err, errlen);
}

/* An error that starts with `want`, where each %s is the test directory. */
static void check_tls_refused(const char *listen, const char *cert, const char *key, const char *ca,
			      const char *want)
{
	struct metrics_server *s;
	char err[512], expect[512];

	s = start_tls(listen, cert, key, ca, err, sizeof(err));
	CHECK(s == NULL);
	metrics_stop(s);
	snprintf(expect, sizeof(expect), want, dir, dir);
	if (strncmp(err, expect, strlen(expect))) {
		fprintf(stderr, "  got:  %s\n  want: %s...\n", err, expect);
		CHECK(0);
	}
}

static void test_tls_options(void)
{
	const char *lo = "127.0.0.1:9464";

	check_tls_refused(lo, "server.pem", NULL, NULL,
			  "--metrics-cert and --metrics-key go together");
	check_tls_refused(lo, NULL, "server.key", NULL,
			  "--metrics-cert and --metrics-key go together");
	check_tls_refused(lo, NULL, NULL, "ca.pem", "--metrics-ca needs --metrics-cert");
	check_tls_refused(lo, "missing.pem", "server.key", "ca.pem",
			  "--metrics-cert %s/missing.pem: No such file or directory");
	check_tls_refused(lo, "server.pem", "missing.key", "ca.pem",
			  "--metrics-key %s/missing.key: No such file or directory");
	check_tls_refused(lo, "server.pem", "server.key", "missing.pem",
			  "--metrics-ca %s/missing.pem: No such file or directory");
	check_tls_refused(lo, "server.pem", "client.key", "ca.pem",
			  "--metrics-cert %s/server.pem, --metrics-key %s/client.key: ");
	check_tls_refused(lo, "junk.pem", "server.key", "ca.pem",
			  "--metrics-cert %s/junk.pem, --metrics-key %s/server.key: ");
	check_tls_refused(lo, "server.pem", "server.key", "junk.pem", "--metrics-ca %s/junk.pem: ");
	/*
	 * Elsewhere than loopback, a CA too. With one, the address is bound:
	 * 192.0.2.1 (TEST-NET-1) is no address of this machine.
	 */
	check_tls_refused("10.1.2.3:9464", "server.pem", "server.key", NULL,
			  "--metrics 10.1.2.3:9464 is not a loopback address: give --metrics-cert");
	check_tls_refused(
		"192.0.2.1:9464", "server.pem", "server.key", "ca.pem",
		"--metrics 192.0.2.1:9464: cannot listen: Cannot assign requested address");
}

static void test_tls(void)
{
	unsigned int port = free_port();
	struct metrics_server *s;
	struct strbuf a = { 0 };
	char listen[64], err[512], *log;

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	s = start_tls(listen, "server.pem", "server.key", "ca.pem", err, sizeof(err));
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	check_scrapers(port);
	/* Plain HTTP on the TLS port gets no metrics (and MHD says why, once). */
	capture_stderr();
	http(AF_INET, port, REQ("GET", "/metrics", ""), &a);
	CHECK(status_of(&a) != 200);
	CHECK(!a.buf || !strstr(a.buf, "botsink_test_total"));
	sb_free(&a);
	log = captured_stderr();
	CHECK(count(log, "metrics: ") <= 1);
	free(log);
	metrics_stop(s);

	/* Loopback with a certificate and no CA: TLS, and no client certificate asked. */
	s = start_tls(listen, "server.pem", "server.key", NULL, err, sizeof(err));
	CHECK(s != NULL);
	CHECK_INT(curl(port, NULL, &a), 200);
	CHECK_STR(a.buf, WANT_BODY);
	sb_free(&a);
	metrics_stop(s);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* The descriptors open before the tests. */
static int fds_before;

static void count_fds(void)
{
	fds_before = open_fds();
}

/* The TLS tests, where openssl could make their certificates. */
static void test_tls_all(void)
{
	if (make_certs()) {
		test_tls_options();
		test_tls();
	}
}

static void remove_dir(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
	/* Every socket, thread wake-up and file closed again. */
	CHECK_INT(open_fds(), fds_before);
}

static const unit_fn tests[] = { test_plain, test_ipv6, test_bad_addresses, test_tls_all, NULL };

int main(void)
{
	return unit_run("test_metrics_server", dir, count_fds, tests, remove_dir);
}
