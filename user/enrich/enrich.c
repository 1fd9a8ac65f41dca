// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Enrichment from MaxMind-format databases. Each file is copied into
 * private memory (a sealed memfd) that libmaxminddb maps and walks; the
 * values are read straight out of that mapping. An update of the file in
 * place cannot reach the copy, and a copy is checked whole when made, so
 * lookups do not fail; should one, it is quiet: a record is never held
 * back for it.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <maxminddb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* memfd_create */
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "enrich/enrich.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/util.h"

/* copy_once's word for a file that changed under it: read it again. */
static const char CHANGED[] = "changed while being read";
#define COPY_TRIES 3

/* Data records decoded in full at open: enough to see the schema. */
#define PROBE_RECORDS 32

enum db_kind {
	DB_ASN,
	DB_GEO,
};

/* An address or network as two host-order words: masks and compares are cheap. */
struct addr128 {
	uint64_t hi, lo;
};

/* What a database says of one network: a cache slot. */
struct answer {
	struct addr128 net; /* host bits zero */
	uint8_t len; /* 16-byte form */
	bool used; /* a slot in use */
	bool v4; /* looked up as IPv4 */
	char geo[2]; /* "" or two upper case letters */
	uint32_t asn;
	uint32_t name_len;
	const char *name; /* in the mapped file, not NUL-terminated */
};

/*
 * Answers by the network they came from, direct-mapped: 65,536 slots of 40
 * bytes, 2.5 MiB a database at most (calloc: pages as they are used). An
 * answer is filed under the prefix of the looked-up address at the shortest
 * key length its network covers, so every address sharing that prefix finds
 * it; a lookup tries each key length. A slot is only trusted when its network
 * holds the address. On a 2M-node test tree, sources drawn from 10,000
 * addresses took 55 ns a lookup instead of 270-300; a million sources spread
 * evenly over IPv4 (13% hits) took some 15% longer (~480 -> ~560 ns).
 */
#define CACHE_BITS 16
#define CACHE_KEYS 4

static const uint8_t v4_key_lens[CACHE_KEYS] = { 96 + 16, 96 + 20, 96 + 24, 128 };
static const uint8_t v6_key_lens[CACHE_KEYS] = { 32, 40, 48, 64 };

struct enrich_db {
	MMDB_s mmdb;
	enum db_kind kind;
	char path[PATH_MAX]; /* the file given; mmdb.filename names the copy */
	bool error_logged;
	struct answer cache[1 << CACHE_BITS];
};

static const char *const kind_names[] = {
	[DB_ASN] = "ASN",
	[DB_GEO] = "geo",
};

/* Does the record hold a value at `path`? (the schema check at open) */
static bool entry_has(MMDB_entry_s *entry, const char *const *path)
{
	MMDB_entry_data_s data;

	return MMDB_aget_value(entry, &data, path) == MMDB_SUCCESS && data.has_data;
}

static const char *const asn_path[] = { "autonomous_system_number", NULL };
static const char *const as_name_path[] = { "autonomous_system_organization", NULL };
static const char *const country_path[] = { "country", "iso_code", NULL };
static const char *const registered_path[] = { "registered_country", "iso_code", NULL };

static bool entry_fits(MMDB_entry_s *entry, enum db_kind kind)
{
	if (kind == DB_ASN)
		return entry_has(entry, asn_path);
	return entry_has(entry, country_path) || entry_has(entry, registered_path);
}

/* Does the metadata name the kind? ("GeoLite2-ASN", "GeoIP2-City", ...) */
static bool type_fits(const char *type, enum db_kind kind)
{
	if (!type)
		return false;
	if (kind == DB_ASN)
		return strstr(type, "ASN") != NULL;
	return strstr(type, "Country") || strstr(type, "City");
}

struct probe {
	unsigned int decoded;
	bool fits;
	int status;
};

/* Decode one data record in full (a corrupt one fails) and check its keys. */
static void probe_record(struct enrich_db *db, MMDB_entry_s *entry, struct probe *p)
{
	MMDB_entry_data_list_s *list = NULL;

	p->status = MMDB_get_entry_data_list(entry, &list);
	MMDB_free_entry_data_list(list);
	if (p->status != MMDB_SUCCESS)
		return;
	p->decoded++;
	if (entry_fits(entry, db->kind))
		p->fits = true;
}

static int check_record(struct enrich_db *db, uint8_t type, MMDB_entry_s *entry, struct probe *p)
{
	if (type == MMDB_RECORD_TYPE_INVALID) {
		p->status = MMDB_CORRUPT_SEARCH_TREE_ERROR;
		return -1;
	}
	if (type == MMDB_RECORD_TYPE_DATA && p->decoded < PROBE_RECORDS && !p->fits)
		probe_record(db, entry, p);
	return p->status == MMDB_SUCCESS ? 0 : -1;
}

/*
 * Every node's two records must point at a node, at nothing or into the
 * data section; a few data records are decoded. About 30 ns a node: 60 ms
 * for a tree of 2M nodes.
 */
static int check_tree(struct enrich_db *db, struct probe *p)
{
	MMDB_search_node_s node;

	for (uint32_t i = 0; i < db->mmdb.metadata.node_count; i++) {
		p->status = MMDB_read_node(&db->mmdb, i, &node);
		if (p->status != MMDB_SUCCESS)
			return -1;
		if (check_record(db, node.left_record_type, &node.left_record_entry, p) ||
		    check_record(db, node.right_record_type, &node.right_record_entry, p))
			return -1;
	}
	return 0;
}

static int check_db(struct enrich_db *db, const char *path, char *err, size_t errlen)
{
	const char *type = db->mmdb.metadata.database_type;
	struct probe p = { .status = MMDB_SUCCESS };

	if (check_tree(db, &p)) {
		snprintf(err, errlen, "%s database %s: corrupt MaxMind DB file (%s)",
			 kind_names[db->kind], path, MMDB_strerror(p.status));
		return -1;
	}
	if (p.fits || type_fits(type, db->kind))
		return 0;
	snprintf(
		err, errlen, "%s database %s: a %s database, expected %s", kind_names[db->kind],
		path, type ? type : "(untyped)",
		db->kind == DB_ASN ?
			"one with autonomous_system_number records (GeoLite2-ASN)" :
			"one with country or registered_country records (GeoLite2-Country or -City)");
	return -1;
}

static const char *open_problem(int status, int open_errno)
{
	switch (status) {
	case MMDB_FILE_OPEN_ERROR:
		return strerror(open_errno);
	case MMDB_IO_ERROR:
		return open_errno ? strerror(open_errno) : "read error";
	case MMDB_INVALID_METADATA_ERROR:
		return "not a MaxMind DB file (no valid metadata)";
	case MMDB_UNKNOWN_DATABASE_FORMAT_ERROR:
		return "unsupported MaxMind DB format version";
	case MMDB_OUT_OF_MEMORY_ERROR:
		return "out of memory";
	default:
		return "corrupt MaxMind DB file";
	}
}

/*
 * The file as it was opened, to see whether it changed while it was copied
 * (a cp over it, a truncate): size, times and identity.
 */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Refuse what is not a regular file before reading: a FIFO or a device never ends. */
static const char *check_source(int fd, struct stat *st)
{
	if (fstat(fd, st))
		return strerror(errno);
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (!st->st_size)
		return "empty, not a MaxMind DB file";
	if ((uint64_t)st->st_size > ENRICH_DB_MAX)
		return "larger than the cap of " STRINGIFY(ENRICH_DB_MAX_MIB) " MiB";
	return NULL;
}

/*
 * sendfile: one copy, page cache to memfd, some 30 ms for 64 MiB (read()
 * into a mapping of the memfd took 250: a fault a page). A file found
 * shorter or longer than its size changed.
 */
static const char *send_all(int src, int mem, size_t size)
{
	off_t off = 0;
	ssize_t got;
	char extra;

	while ((size_t)off < size) {
		got = sendfile(mem, src, &off, size - (size_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return strerror(errno);
		if (!got)
			return CHANGED;
	}
	got = pread(src, &extra, 1, off);
	if (got < 0)
		return strerror(errno);
	return got ? CHANGED : NULL;
}

/* One attempt at copying `src` (opened) into `mem`: NULL, or why not. */
static const char *copy_once(int src, int mem)
{
	struct stat before, after;
	const char *problem = check_source(src, &before);

	if (problem)
		return problem;
	if (ftruncate(mem, 0) || lseek(mem, 0, SEEK_SET) < 0)
		return strerror(errno);
	problem = send_all(src, mem, (size_t)before.st_size);
	if (!problem && (fstat(src, &after) || !same_file(&before, &after)))
		problem = CHANGED;
	return problem;
}

/*
 * A memfd holding the file's bytes, sealed: libmaxminddb maps it, not the
 * file, so a cp over the file or a truncate of it (SIGBUS on a mapping of
 * it) cannot touch what lookups read. A file changing while it is read is
 * read again, COPY_TRIES times at most.
 */
int enrich_copy_file(const char *path, const char **problem)
{
	int src = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int mem = -1;

	*problem = NULL;
	if (src < 0) {
		*problem = strerror(errno);
		return -1;
	}
	mem = memfd_create("botsink-mmdb", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem < 0) {
		*problem = strerror(errno);
		goto out;
	}
	for (int i = 0; i < COPY_TRIES; i++) {
		*problem = copy_once(src, mem);
		if (*problem != CHANGED)
			break;
	}
	if (*problem == CHANGED)
		*problem = "changed while being read, " STRINGIFY(
			COPY_TRIES) " times: replace it by rename (see README)";
	if (!*problem &&
	    fcntl(mem, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		*problem = strerror(errno);
out:
	close(src);
	if (*problem && mem >= 0) {
		close(mem);
		mem = -1;
	}
	return mem;
}

static void db_close(struct enrich_db *db)
{
	if (!db)
		return;
	MMDB_close(&db->mmdb);
	free(db);
}

static int db_open(struct enrich_db **out, const char *path, enum db_kind kind, char *err,
		   size_t errlen)
{
	const char *problem;
	char copy[64];
	struct enrich_db *db;
	int status, mem;

	*out = NULL;
	mem = enrich_copy_file(path, &problem);
	if (mem < 0) {
		snprintf(err, errlen, "%s database %s: %s", kind_names[kind], path, problem);
		return -1;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, errlen, "%s database %s: out of memory", kind_names[kind], path);
		goto fail;
	}
	db->kind = kind;
	snprintf(db->path, sizeof(db->path), "%s", path);
	/* libmaxminddb opens by name only: the memfd's. */
	snprintf(copy, sizeof(copy), "/proc/self/fd/%d", mem);
	errno = 0;
	status = MMDB_open(copy, MMDB_MODE_MMAP, &db->mmdb);
	if (status == MMDB_FILE_OPEN_ERROR) {
		snprintf(
			err, errlen,
			"%s database %s: cannot open its copy in memory, %s: %s (is /proc mounted?)",
			kind_names[kind], path, copy, strerror(errno));
		goto fail;
	}
	if (status != MMDB_SUCCESS) {
		snprintf(err, errlen, "%s database %s: %s", kind_names[kind], path,
			 open_problem(status, errno));
		goto fail;
	}
	close(mem);
	if (check_db(db, path, err, errlen)) {
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
fail:
	free(db);
	close(mem);
	return -1;
}

int enricher_reload(struct enricher *e, const char *asn_path, const char *geo_path, char *err,
		    size_t errlen)
{
	struct enricher fresh;

	if (enricher_open(&fresh, asn_path, geo_path, err, errlen))
		return -1;
	enricher_close(e);
	*e = fresh;
	return 0;
}

int enricher_open(struct enricher *e, const char *asn_path, const char *geo_path, char *err,
		  size_t errlen)
{
	memset(e, 0, sizeof(*e));
	if (asn_path && db_open(&e->asn, asn_path, DB_ASN, err, errlen))
		return -1;
	if (geo_path && db_open(&e->geo, geo_path, DB_GEO, err, errlen)) {
		enricher_close(e);
		return -1;
	}
	return 0;
}

bool enricher_has_asn(const struct enricher *e)
{
	return e->asn != NULL;
}

bool enricher_has_geo(const struct enricher *e)
{
	return e->geo != NULL;
}

void enricher_close(struct enricher *e)
{
	db_close(e->asn);
	db_close(e->geo);
	memset(e, 0, sizeof(*e));
}

static void lookup_failed(struct enrich_db *db, int status)
{
	if (db->error_logged)
		return;
	db->error_logged = true;
	log_debug("enrich: a lookup in the %s database %s failed (%s); such fields stay null",
		  kind_names[db->kind], db->path, MMDB_strerror(status));
}

/*
 * Look `addr` up, IPv4-mapped addresses as IPv4. `len` gets the network's
 * prefix length in the 16-byte form. False when there is no answer.
 */
static bool db_lookup(struct enrich_db *db, const struct in6_addr *addr, MMDB_lookup_result_s *res,
		      unsigned int *len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = *addr };
	const struct sockaddr *sa = (const struct sockaddr *)&sin6;
	bool v4 = addr_is_v4(addr);
	int status = MMDB_SUCCESS;

	if (v4) {
		memcpy(&sin.sin_addr, addr->s6_addr + 12, sizeof(sin.sin_addr));
		sa = (const struct sockaddr *)&sin;
	}
	*res = MMDB_lookup_sockaddr(&db->mmdb, sa, &status);
	if (status == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
		return false; /* an IPv4-only database knows nothing of it */
	if (status != MMDB_SUCCESS) {
		lookup_failed(db, status);
		return false;
	}
	*len = res->netmask;
	/*
	 * IPv4 counts from bit 96 of an IPv6 tree (less when the tree has
	 * one answer for all of IPv4) and from 0 of an IPv4 one.
	 */
	if (v4 && db->mmdb.metadata.ip_version == 4)
		*len += V4_MAPPED_BITS;
	else if (v4 && *len < V4_MAPPED_BITS)
		*len = V4_MAPPED_BITS;
	return true;
}

/* A value at `path`, or false: absent (fine) or unreadable (logged once). */
static bool get_value(struct enrich_db *db, MMDB_entry_s *entry, const char *const *path,
		      MMDB_entry_data_s *data)
{
	int status = MMDB_aget_value(entry, data, path);

	if (status == MMDB_SUCCESS)
		return data->has_data;
	if (status != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		lookup_failed(db, status);
	return false;
}

/* Copy at most size - 1 bytes, never ending inside a UTF-8 sequence. */
static void copy_utf8(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size) {
		len = size - 1;
		/* src[len] is the first byte left out: back off its sequence. */
		while (len && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void read_asn(struct enrich_db *db, MMDB_entry_s *entry, struct answer *ans)
{
	MMDB_entry_data_s data;

	if (get_value(db, entry, asn_path, &data)) {
		if (data.type == MMDB_DATA_TYPE_UINT32)
			ans->asn = data.uint32;
		else if (data.type == MMDB_DATA_TYPE_UINT16)
			ans->asn = data.uint16;
	}
	if (get_value(db, entry, as_name_path, &data) && data.type == MMDB_DATA_TYPE_UTF8_STRING) {
		ans->name = data.utf8_string;
		ans->name_len = data.data_size;
	}
}

static bool is_ascii_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Two ASCII letters, kept upper case; anything else is no code. */
static bool read_country(struct enrich_db *db, MMDB_entry_s *entry, const char *const *path,
			 struct answer *ans)
{
	MMDB_entry_data_s data;

	if (!get_value(db, entry, path, &data) || data.type != MMDB_DATA_TYPE_UTF8_STRING ||
	    data.data_size != 2)
		return false;
	if (!is_ascii_letter(data.utf8_string[0]) || !is_ascii_letter(data.utf8_string[1]))
		return false;
	ans->geo[0] = (char)(data.utf8_string[0] & ~0x20);
	ans->geo[1] = (char)(data.utf8_string[1] & ~0x20);
	return true;
}

static struct addr128 addr128_of(const struct in6_addr *a)
{
	struct addr128 w;

	memcpy(&w.hi, a->s6_addr, 8);
	memcpy(&w.lo, a->s6_addr + 8, 8);
	w.hi = be64toh(w.hi);
	w.lo = be64toh(w.lo);
	return w;
}

static struct addr128 addr128_mask(struct addr128 a, unsigned int len)
{
	if (len == 0)
		return (struct addr128){ 0, 0 };
	if (len <= 64) {
		a.hi &= ~0ULL << (64 - len);
		a.lo = 0;
	} else {
		a.lo &= ~0ULL << (128 - len);
	}
	return a;
}

static bool answer_covers(const struct answer *ans, struct addr128 a, bool v4)
{
	struct addr128 m = addr128_mask(a, ans->len);

	return ans->used && ans->v4 == v4 && m.hi == ans->net.hi && m.lo == ans->net.lo;
}

static struct answer *cache_slot(struct enrich_db *db, struct addr128 a, unsigned int key_len)
{
	struct addr128 k = addr128_mask(a, key_len);
	uint64_t h = (k.hi ^ (k.lo * 0x9e3779b97f4a7c15ULL) ^ key_len) * 0xff51afd7ed558ccdULL;

	return &db->cache[h >> (64 - CACHE_BITS)];
}

static const struct answer *cache_find(struct enrich_db *db, struct addr128 a, bool v4)
{
	const uint8_t *keys = v4 ? v4_key_lens : v6_key_lens;

	for (int i = 0; i < CACHE_KEYS; i++) {
		const struct answer *ans = cache_slot(db, a, keys[i]);

		if (answer_covers(ans, a, v4))
			return ans;
	}
	return NULL;
}

static void cache_store(struct enrich_db *db, struct addr128 a, const struct answer *ans)
{
	const uint8_t *keys = ans->v4 ? v4_key_lens : v6_key_lens;

	for (int i = 0; i < CACHE_KEYS; i++) {
		if (keys[i] >= ans->len) {
			*cache_slot(db, a, keys[i]) = *ans;
			return;
		}
	}
}

/* The database's answer for `addr`, or NULL when it has none. */
static const struct answer *db_answer(struct enrich_db *db, const struct in6_addr *addr,
				      struct answer *ans)
{
	struct addr128 a = addr128_of(addr);
	bool v4 = addr_is_v4(addr);
	const struct answer *cached = cache_find(db, a, v4);
	MMDB_lookup_result_s res;
	unsigned int len;

	if (cached)
		return cached;
	if (!db_lookup(db, addr, &res, &len))
		return NULL;
	*ans = (struct answer){
		.net = addr128_mask(a, len), .len = (uint8_t)len, .used = true, .v4 = v4
	};
	if (res.found_entry && db->kind == DB_ASN)
		read_asn(db, &res.entry, ans);
	if (res.found_entry && db->kind == DB_GEO &&
	    !read_country(db, &res.entry, country_path, ans))
		read_country(db, &res.entry, registered_path, ans);
	cache_store(db, a, ans);
	return ans;
}

void enricher_lookup(const struct enricher *e, const struct in6_addr *addr, struct enrichment *out)
{
	const struct answer *ans;
	struct answer fresh;

	out->asn = 0;
	out->asn_len = 0;
	out->as_name[0] = '\0';
	out->geo[0] = '\0';
	ans = e->asn ? db_answer(e->asn, addr, &fresh) : NULL;
	if (ans) {
		out->asn = ans->asn;
		out->asn_len = ans->len;
		if (ans->name)
			copy_utf8(out->as_name, sizeof(out->as_name), ans->name, ans->name_len);
	}
	ans = e->geo ? db_answer(e->geo, addr, &fresh) : NULL;
	if (ans && ans->geo[0]) {
		out->geo[0] = ans->geo[0];
		out->geo[1] = ans->geo[1];
		out->geo[2] = '\0';
	}
}
