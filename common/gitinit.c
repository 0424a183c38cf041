/* gitinit.c: libgit2 initialisation without the CA bundle when no TLS is
 * needed, and without re-hashing every object read.
 *
 * Debian's libgit2 (1.5, mbedTLS backend) parses the whole system CA bundle
 * inside git_libgit2_init(), through mbedtls_x509_crt_parse_file(): measured
 * with callgrind, 19% of the instructions of a whole pre-receive run (about
 * 10 ms), for HTTPS that the hook, `sigma scan` and `sigma registry` never
 * do. sigma therefore defines that function itself and exports it from the
 * executable (the Makefile's --export-dynamic-symbol), so the dynamic linker
 * binds libgit2's call to this definition. It forwards to the real one
 * (found with dlsym(RTLD_NEXT)) when the command asked for TLS. With a
 * libgit2 built on OpenSSL instead, this function is simply never called.
 *
 * `tls_wanted` is set once, before git_libgit2_init(), by the command
 * dispatcher: configuration in all but name. */
#include <dlfcn.h>
#include <stddef.h>
#include <git2.h>
#include "common/gitinit.h"

static int tls_wanted;

void sigma_git_init(int want_tls)
{
	tls_wanted = want_tls;
	git_libgit2_init();
	/* libgit2 re-hashes every object it reads (SHA-1 with collision
	 * detection, ~8 ms for a 600 KB lockfile here). git does not: the
	 * objects sigma reads were checked by git receive-pack before the hook
	 * runs, or by libgit2's indexer when sigma serve fetched them. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

/* The real definition, from the library after this one in the search order. */
static void *real_fn(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path)
{
	typedef int (*parse_fn)(struct mbedtls_x509_crt *, const char *);
	if (!tls_wanted)
		return 0; /* nothing loaded; libgit2 then verifies nothing over TLS, and sigma does no TLS */
	parse_fn real = (parse_fn)real_fn("mbedtls_x509_crt_parse_file");
	return real ? real(chain, path) : -1;
}

/* The same reasoning for the random number generator libgit2 seeds for
 * TLS: seeding polls mbedTLS's entropy sources, HAVEGE among them (a loop
 * of timestamp reads, slow in a VM), ~0.5 ms of every hook run. Without
 * TLS the generator is never used, and stays unseeded. */
struct mbedtls_havege_state;
void mbedtls_havege_init(struct mbedtls_havege_state *hs)
{
	typedef void (*init_fn)(struct mbedtls_havege_state *);
	if (!tls_wanted)
		return; /* mbedtls_havege_free only zeroes the state */
	init_fn real = (init_fn)real_fn("mbedtls_havege_init");
	if (real)
		real(hs);
}

struct mbedtls_ctr_drbg_context;
int mbedtls_ctr_drbg_seed(struct mbedtls_ctr_drbg_context *ctx, int (*f_entropy)(void *, unsigned char *, size_t),
                          void *p_entropy, const unsigned char *custom, size_t len)
{
	typedef int (*seed_fn)(struct mbedtls_ctr_drbg_context *, int (*)(void *, unsigned char *, size_t), void *,
	                       const unsigned char *, size_t);
	if (!tls_wanted)
		return 0;
	seed_fn real = (seed_fn)real_fn("mbedtls_ctr_drbg_seed");
	return real ? real(ctx, f_entropy, p_entropy, custom, len) : -1;
}

/* libgit2 initialises libssh2 (and through it OpenSSL's engines and
 * configuration) for SSH remotes, which only sigma serve can fetch from. */
int libssh2_init(int flags)
{
	typedef int (*init_fn)(int);
	if (!tls_wanted)
		return 0; /* libssh2_exit does nothing before an init */
	init_fn real = (init_fn)real_fn("libssh2_init");
	return real ? real(flags) : -1;
}
