/* lazylib.c: libcurl, libarchive and libmicrohttpd, loaded when first used.
 *
 * Linking those three (and the ~30 libraries they pull in: TLS stacks,
 * compression, IDN, LDAP, ...) into every `sigma` process cost about 7 ms
 * of dynamic loading per start, measured with hyperfine on an empty program
 * linked the same way. The pre-receive hook and `sigma sandbox`, which run
 * most often and have the tightest budgets, use none of them. So the
 * binary does not link them: this file defines the few functions sigma
 * calls, and each loads its library with dlopen() on the first call and
 * forwards to the real function. The headers still give the types, so a
 * changed signature fails to compile here.
 *
 * Variadic functions: curl_easy_setopt/getinfo take exactly one argument
 * after the option, always a pointer, long or curl_off_t, which on LP64
 * travel the same way, so it is forwarded as one pointer-sized value.
 * MHD_start_daemon is forwarded only in its MHD_OPTION_ARRAY form, which is
 * how sigma calls it; MHD_get_daemon_info and MHD_get_connection_info only
 * for argument-less queries.
 *
 * A library that cannot be loaded is an installation error: the message
 * names it and the process aborts, as it would have at start-up when the
 * libraries were linked. */
#define CURL_DISABLE_TYPECHECK 1
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <microhttpd.h>

typedef struct lazy_lib {
	const char *soname;
	void *handle;
	pthread_once_t once;
} lazy_lib;

static lazy_lib curl_lib = { "libcurl.so.4", NULL, PTHREAD_ONCE_INIT };
static lazy_lib archive_lib = { "libarchive.so.13", NULL, PTHREAD_ONCE_INIT };
static lazy_lib mhd_lib = { "libmicrohttpd.so.12", NULL, PTHREAD_ONCE_INIT };

static void open_curl(void) { curl_lib.handle = dlopen(curl_lib.soname, RTLD_NOW | RTLD_LOCAL); }
static void open_archive(void) { archive_lib.handle = dlopen(archive_lib.soname, RTLD_NOW | RTLD_LOCAL); }
static void open_mhd(void) { mhd_lib.handle = dlopen(mhd_lib.soname, RTLD_NOW | RTLD_LOCAL); }

static void *sym(lazy_lib *lib, void (*opener)(void), const char *name)
{
	pthread_once(&lib->once, opener);
	void *f = lib->handle ? dlsym(lib->handle, name) : NULL;
	if (!f) {
		fprintf(stderr, "sigma: cannot load %s from %s: %s\n", name, lib->soname, dlerror());
		abort();
	}
	return f;
}

/* One cached function pointer per forwarded function. */
#define LAZY(lib, opener, ret, name, params) \
	static ret (*p)params; \
	if (!p) \
		*(void **)&p = sym(&lib, opener, #name);

/* ---------------------------------------------------------------- libcurl */

#define CURL_FN(ret, name, params) LAZY(curl_lib, open_curl, ret, name, params)

CURLcode curl_global_init(long flags) { CURL_FN(CURLcode, curl_global_init, (long)) return p(flags); }
void curl_global_cleanup(void) { CURL_FN(void, curl_global_cleanup, (void)) p(); }
CURL *curl_easy_init(void) { CURL_FN(CURL *, curl_easy_init, (void)) return p(); }
CURLcode curl_easy_perform(CURL *c) { CURL_FN(CURLcode, curl_easy_perform, (CURL *)) return p(c); }
void curl_easy_cleanup(CURL *c) { CURL_FN(void, curl_easy_cleanup, (CURL *)) p(c); }
void curl_easy_reset(CURL *c) { CURL_FN(void, curl_easy_reset, (CURL *)) p(c); }
const char *curl_easy_strerror(CURLcode e) { CURL_FN(const char *, curl_easy_strerror, (CURLcode)) return p(e); }
time_t curl_getdate(const char *s, const time_t *u) { CURL_FN(time_t, curl_getdate, (const char *, const time_t *)) return p(s, u); }
struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	CURL_FN(struct curl_slist *, curl_slist_append, (struct curl_slist *, const char *))
	return p(l, s);
}
void curl_slist_free_all(struct curl_slist *l) { CURL_FN(void, curl_slist_free_all, (struct curl_slist *)) p(l); }
void curl_free(void *ptr) { CURL_FN(void, curl_free, (void *)) p(ptr); }
/* The URL API: registry/fetch.c reads a URL's host and port with it. */
CURLU *curl_url(void) { CURL_FN(CURLU *, curl_url, (void)) return p(); }
void curl_url_cleanup(CURLU *u) { CURL_FN(void, curl_url_cleanup, (CURLU *)) p(u); }
CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	CURL_FN(CURLUcode, curl_url_set, (CURLU *, CURLUPart, const char *, unsigned int))
	return p(u, what, part, flags);
}
CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	CURL_FN(CURLUcode, curl_url_get, (CURLU *, CURLUPart, char **, unsigned int))
	return p(u, what, part, flags);
}

CURLcode curl_easy_setopt(CURL *c, CURLoption option, ...)
{
	CURL_FN(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...))
	va_list ap;
	va_start(ap, option);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return p(c, option, arg);
}

CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	CURL_FN(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...))
	va_list ap;
	va_start(ap, info);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return p(c, info, arg);
}

/* ---------------------------------------------------------------- libarchive */

#define AR_FN(ret, name, params) LAZY(archive_lib, open_archive, ret, name, params)

struct archive *archive_read_new(void) { AR_FN(struct archive *, archive_read_new, (void)) return p(); }
int archive_read_support_filter_all(struct archive *a) { AR_FN(int, archive_read_support_filter_all, (struct archive *)) return p(a); }
int archive_read_support_format_gnutar(struct archive *a) { AR_FN(int, archive_read_support_format_gnutar, (struct archive *)) return p(a); }
int archive_read_support_format_tar(struct archive *a) { AR_FN(int, archive_read_support_format_tar, (struct archive *)) return p(a); }
int archive_read_support_format_zip(struct archive *a) { AR_FN(int, archive_read_support_format_zip, (struct archive *)) return p(a); }
int archive_read_open_filename(struct archive *a, const char *f, size_t bs)
{
	AR_FN(int, archive_read_open_filename, (struct archive *, const char *, size_t))
	return p(a, f, bs);
}
int archive_read_open_memory(struct archive *a, const void *buf, size_t n)
{
	AR_FN(int, archive_read_open_memory, (struct archive *, const void *, size_t))
	return p(a, buf, n);
}
int archive_read_next_header(struct archive *a, struct archive_entry **e)
{
	AR_FN(int, archive_read_next_header, (struct archive *, struct archive_entry **))
	return p(a, e);
}
la_ssize_t archive_read_data(struct archive *a, void *buf, size_t n)
{
	AR_FN(la_ssize_t, archive_read_data, (struct archive *, void *, size_t))
	return p(a, buf, n);
}
int archive_read_free(struct archive *a) { AR_FN(int, archive_read_free, (struct archive *)) return p(a); }
const char *archive_error_string(struct archive *a) { AR_FN(const char *, archive_error_string, (struct archive *)) return p(a); }
const char *archive_format_name(struct archive *a) { AR_FN(const char *, archive_format_name, (struct archive *)) return p(a); }
__LA_MODE_T archive_entry_filetype(struct archive_entry *e) { AR_FN(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *)) return p(e); }
const char *archive_entry_hardlink(struct archive_entry *e) { AR_FN(const char *, archive_entry_hardlink, (struct archive_entry *)) return p(e); }
const char *archive_entry_pathname(struct archive_entry *e) { AR_FN(const char *, archive_entry_pathname, (struct archive_entry *)) return p(e); }
la_int64_t archive_entry_size(struct archive_entry *e) { AR_FN(la_int64_t, archive_entry_size, (struct archive_entry *)) return p(e); }
int archive_entry_size_is_set(struct archive_entry *e) { AR_FN(int, archive_entry_size_is_set, (struct archive_entry *)) return p(e); }
const char *archive_entry_symlink(struct archive_entry *e) { AR_FN(const char *, archive_entry_symlink, (struct archive_entry *)) return p(e); }

/* ---------------------------------------------------------------- libmicrohttpd */

#define MHD_FN(ret, name, params) LAZY(mhd_lib, open_mhd, ret, name, params)

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	MHD_FN(struct MHD_Daemon *, MHD_start_daemon,
	       (unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *, MHD_AccessHandlerCallback, void *, ...))
	va_list ap;
	va_start(ap, dh_cls);
	enum MHD_OPTION opt = (enum MHD_OPTION)va_arg(ap, int);
	struct MHD_OptionItem *items = opt == MHD_OPTION_ARRAY ? va_arg(ap, struct MHD_OptionItem *) : NULL;
	va_end(ap);
	if (opt != MHD_OPTION_ARRAY && opt != MHD_OPTION_END) {
		fprintf(stderr, "sigma: MHD_start_daemon: only the MHD_OPTION_ARRAY form is forwarded\n");
		abort();
	}
	if (items)
		return p(flags, port, apc, apc_cls, dh, dh_cls, MHD_OPTION_ARRAY, items, MHD_OPTION_END);
	return p(flags, port, apc, apc_cls, dh, dh_cls, MHD_OPTION_END);
}

void MHD_stop_daemon(struct MHD_Daemon *d) { MHD_FN(void, MHD_stop_daemon, (struct MHD_Daemon *)) p(d); }

const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType t, ...)
{
	MHD_FN(const union MHD_DaemonInfo *, MHD_get_daemon_info, (struct MHD_Daemon *, enum MHD_DaemonInfoType, ...))
	return p(d, t);
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType t, ...)
{
	MHD_FN(const union MHD_ConnectionInfo *, MHD_get_connection_info,
	       (struct MHD_Connection *, enum MHD_ConnectionInfoType, ...))
	return p(c, t);
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind k, const char *key)
{
	MHD_FN(const char *, MHD_lookup_connection_value, (struct MHD_Connection *, enum MHD_ValueKind, const char *))
	return p(c, k, key);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int code, struct MHD_Response *r)
{
	MHD_FN(enum MHD_Result, MHD_queue_response, (struct MHD_Connection *, unsigned int, struct MHD_Response *))
	return p(c, code, r);
}

struct MHD_Response *MHD_create_response_from_buffer(size_t n, void *buf, enum MHD_ResponseMemoryMode mode)
{
	MHD_FN(struct MHD_Response *, MHD_create_response_from_buffer, (size_t, void *, enum MHD_ResponseMemoryMode))
	return p(n, buf, mode);
}

void MHD_destroy_response(struct MHD_Response *r) { MHD_FN(void, MHD_destroy_response, (struct MHD_Response *)) p(r); }

void MHD_suspend_connection(struct MHD_Connection *c)
{
	MHD_FN(void, MHD_suspend_connection, (struct MHD_Connection *))
	p(c);
}

void MHD_resume_connection(struct MHD_Connection *c)
{
	MHD_FN(void, MHD_resume_connection, (struct MHD_Connection *))
	p(c);
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r, const char *h, const char *v)
{
	MHD_FN(enum MHD_Result, MHD_add_response_header, (struct MHD_Response *, const char *, const char *))
	return p(r, h, v);
}
