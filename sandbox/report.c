/* report.c: a sandbox_result as the JSON report of `sigma sandbox --report`.
 *
 * The fields are the contract of BRIEF §5 and docs/SANDBOX.md: exit_code,
 * signal, timed_out, wall_ms, cpu_ms, peak_rss_kb, network_attempts, spawns,
 * stdout, stderr, isolation. A few more (oom_killed, spawned, the
 * *_truncated flags) only add detail; consumers may ignore them. Output
 * that is not valid UTF-8 goes through cJSON as bytes escaped where needed,
 * so the report is always parseable. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "common/util.h"
#include "sandbox/sandbox.h"

/* cJSON, loaded on the first report. The executable (see core.h) starts
 * every `sigma sandbox` and links nothing but libc: loading libcjson (and
 * libseccomp, see seccomp.c) at start-up was ~70 us each of a 5 ms run, and
 * most runs write no report. The header still gives the types, so a
 * changed signature fails to compile here; when the core is loaded too,
 * dlopen hands back the library it already has. */
static struct {
	cJSON *(*CreateObject)(void);
	cJSON *(*CreateString)(const char *);
	cJSON *(*AddArrayToObject)(cJSON *, const char *);
	cJSON *(*AddObjectToObject)(cJSON *, const char *);
	cJSON *(*AddBoolToObject)(cJSON *, const char *, cJSON_bool);
	cJSON *(*AddNullToObject)(cJSON *, const char *);
	cJSON *(*AddNumberToObject)(cJSON *, const char *, double);
	cJSON *(*AddStringToObject)(cJSON *, const char *, const char *);
	cJSON_bool (*AddItemToArray)(cJSON *, cJSON *);
	cJSON_bool (*AddItemToObject)(cJSON *, const char *, cJSON *);
	char *(*Print)(const cJSON *);
	void (*Delete)(cJSON *);
} cj;
static pthread_once_t cj_once = PTHREAD_ONCE_INIT;
static const char *cj_error;

static void cj_load(void)
{
	void *h = dlopen("libcjson.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		cj_error = dlerror();
		return;
	}
#define SYM(field) (*(void **)&cj.field = dlsym(h, "cJSON_" #field))
	if (!SYM(CreateObject) || !SYM(CreateString) || !SYM(AddArrayToObject) ||
	    !SYM(AddObjectToObject) || !SYM(AddBoolToObject) || !SYM(AddNullToObject) ||
	    !SYM(AddNumberToObject) || !SYM(AddStringToObject) || !SYM(AddItemToArray) ||
	    !SYM(AddItemToObject) || !SYM(Print) || !SYM(Delete)) {
		cj_error = "libcjson.so.1 lacks a function sigma uses";
		cj.CreateObject = NULL;
	}
#undef SYM
}
#define cJSON_CreateObject      cj.CreateObject
#define cJSON_CreateString      cj.CreateString
#define cJSON_AddArrayToObject  cj.AddArrayToObject
#define cJSON_AddObjectToObject cj.AddObjectToObject
#define cJSON_AddBoolToObject   cj.AddBoolToObject
#define cJSON_AddNullToObject   cj.AddNullToObject
#define cJSON_AddNumberToObject cj.AddNumberToObject
#define cJSON_AddStringToObject cj.AddStringToObject
#define cJSON_AddItemToArray    cj.AddItemToArray
#define cJSON_AddItemToObject   cj.AddItemToObject
#define cJSON_Print             cj.Print
#define cJSON_Delete            cj.Delete

/* The captured bytes as a string: NULs and invalid UTF-8 become U+FFFD,
 * so that the JSON stays valid whatever the command printed. */
static cJSON *text(const sigma_buf *b)
{
	const unsigned char *p = (const unsigned char *)(b->ptr ? b->ptr : "");
	size_t len = b->len;
	char *s = sigma_xmalloc(len * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; ) {
		unsigned char c = p[i];
		size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		int valid = n > 0 && c != 0 && i + n <= len;
		for (size_t k = 1; valid && k < n; k++)
			valid = (p[i + k] & 0xc0) == 0x80;
		if (valid && n > 1 && (c == 0xc0 || c == 0xc1 || c > 0xf4))
			valid = 0;
		if (valid) {
			memcpy(s + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(s + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	s[o] = '\0';
	cJSON *j = cJSON_CreateString(s);
	free(s);
	return j;
}

static cJSON *isolation(const sandbox_isolation *iso)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *ns = cJSON_AddObjectToObject(o, "namespaces");
	cJSON_AddBoolToObject(ns, "user", iso->ns_user);
	cJSON_AddBoolToObject(ns, "mount", iso->ns_mount);
	cJSON_AddBoolToObject(ns, "pid", iso->ns_pid);
	cJSON_AddBoolToObject(ns, "net", iso->ns_net);
	cJSON_AddBoolToObject(ns, "ipc", iso->ns_ipc);
	cJSON_AddBoolToObject(ns, "uts", iso->ns_uts);
	cJSON_AddBoolToObject(ns, "cgroup", iso->ns_cgroup);
	cJSON_AddBoolToObject(o, "seccomp", iso->seccomp);
	cJSON_AddBoolToObject(o, "no_new_privs", iso->no_new_privs);
	cJSON_AddBoolToObject(o, "capabilities_dropped", iso->caps_dropped);
	cJSON_AddNumberToObject(o, "uid", iso->uid);
	cJSON_AddNumberToObject(o, "gid", iso->gid);
	cJSON_AddNumberToObject(o, "host_uid", iso->host_uid);
	/* "cgroup v2" / "cgroup v1" / "rlimit only": the one-glance answer. */
	const char *enforcement = iso->cgroup && iso->cgroup_memory && iso->cgroup_pids
	                          ? (iso->cgroup[1] == '2' ? "cgroup v2 + rlimits" : "cgroup v1 + rlimits")
	                          : iso->cgroup ? "partial cgroup + rlimits" : "rlimit only";
	cJSON_AddStringToObject(o, "limits_enforced_by", enforcement);
	cJSON *cg = cJSON_AddObjectToObject(o, "cgroup");
	if (iso->cgroup)
		cJSON_AddStringToObject(cg, "version", iso->cgroup);
	else
		cJSON_AddNullToObject(cg, "version");
	cJSON_AddBoolToObject(cg, "memory", iso->cgroup_memory);
	cJSON_AddBoolToObject(cg, "pids", iso->cgroup_pids);
	if (iso->cgroup_note)
		cJSON_AddStringToObject(cg, "note", iso->cgroup_note);
	else
		cJSON_AddNullToObject(cg, "note");
	cJSON *lim = cJSON_AddObjectToObject(o, "limits");
	cJSON_AddNumberToObject(lim, "timeout_ms", (double)iso->timeout_ms);
	cJSON_AddNumberToObject(lim, "memory_bytes", (double)iso->memory_bytes);
	cJSON_AddNumberToObject(lim, "pids", iso->pids);
	cJSON_AddNumberToObject(lim, "cpu_seconds", iso->cpu_seconds);
	cJSON_AddNumberToObject(lim, "file_size_bytes", (double)iso->file_size_bytes);
	cJSON_AddNumberToObject(lim, "open_files", iso->open_files);
	cJSON_AddNumberToObject(lim, "tmp_size_bytes", (double)iso->tmp_size_bytes);
	return o;
}

int sandbox_result_to_json(char **out, const sandbox_result *r)
{
	*out = NULL;
	pthread_once(&cj_once, cj_load);
	if (!cj.CreateObject)
		return sigma_error_set(SIGMA_EIO, "cannot write the report: %s", cj_error ? cj_error : "no libcjson");
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return sigma_error_set(SIGMA_EIO, "out of memory building the report");
	if (r->exited)
		cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
	else
		cJSON_AddNullToObject(o, "exit_code");
	if (r->signal)
		cJSON_AddNumberToObject(o, "signal", r->signal);
	else
		cJSON_AddNullToObject(o, "signal");
	cJSON_AddBoolToObject(o, "timed_out", r->timed_out);
	cJSON_AddBoolToObject(o, "oom_killed", r->oom_killed);
	cJSON_AddNumberToObject(o, "wall_ms", (double)r->wall_ms);
	cJSON_AddNumberToObject(o, "cpu_ms", (double)r->cpu_ms);
	cJSON_AddNumberToObject(o, "peak_rss_kb", (double)r->peak_rss_kb);

	cJSON *net = cJSON_AddArrayToObject(o, "network_attempts");
	for (size_t i = 0; i < r->nnet; i++) {
		const sandbox_net_attempt *a = &r->net[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "syscall", a->syscall);
		cJSON_AddStringToObject(e, "family", a->family);
		cJSON_AddStringToObject(e, "address", a->address);
		cJSON_AddNumberToObject(e, "port", a->port);
		cJSON_AddBoolToObject(e, "dns", a->dns);
		if (a->dns_name)
			cJSON_AddStringToObject(e, "dns_name", a->dns_name);
		if (a->payload)
			cJSON_AddStringToObject(e, "payload", a->payload);
		cJSON_AddItemToArray(net, e);
	}
	cJSON_AddNumberToObject(o, "network_attempts_dropped", (double)r->net_dropped);
	cJSON_AddNumberToObject(o, "spawns", (double)r->spawns);
	cJSON *sp = cJSON_AddArrayToObject(o, "spawned");
	for (size_t i = 0; i < r->nspawned; i++)
		cJSON_AddItemToArray(sp, cJSON_CreateString(r->spawned[i]));

	cJSON_AddItemToObject(o, "stdout", text(&r->out));
	cJSON_AddBoolToObject(o, "stdout_truncated", r->out_total > r->out.len);
	cJSON_AddItemToObject(o, "stderr", text(&r->err));
	cJSON_AddBoolToObject(o, "stderr_truncated", r->err_total > r->err.len);
	cJSON_AddItemToObject(o, "isolation", isolation(&r->isolation));

	char *s = cJSON_Print(o);
	cJSON_Delete(o);
	if (!s)
		return sigma_error_set(SIGMA_EIO, "out of memory printing the report");
	/* cJSON's allocator is malloc unless a caller changed the hooks. */
	*out = s;
	return 0;
}
