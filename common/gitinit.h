/* gitinit.h: initialising libgit2, with or without its TLS certificates. */
#ifndef SIGMA_GITINIT_H
#define SIGMA_GITINIT_H

/* git_libgit2_init(), loading the system CA certificates only when
 * `want_tls` (a command that fetches over HTTPS). Pair with
 * git_libgit2_shutdown(). */
void sigma_git_init(int want_tls);

/* The functions libgit2 calls at init for TLS and SSH (the CA bundle, the
 * random generator's seed, libssh2), defined in sigma-core.so so that its
 * definitions come before the libraries' (see gitinit.c). */
struct mbedtls_x509_crt;
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);
struct mbedtls_havege_state;
void mbedtls_havege_init(struct mbedtls_havege_state *hs);
struct mbedtls_ctr_drbg_context;
int mbedtls_ctr_drbg_seed(struct mbedtls_ctr_drbg_context *ctx, int (*f_entropy)(void *, unsigned char *, size_t),
                          void *p_entropy, const unsigned char *custom, size_t len);
int libssh2_init(int flags);

#endif
