/* gitinit.h: initialising libgit2, with or without its TLS certificates. */
#ifndef SIGMA_GITINIT_H
#define SIGMA_GITINIT_H

/* git_libgit2_init(), loading the system CA certificates only when
 * `want_tls` (a command that fetches over HTTPS). Pair with
 * git_libgit2_shutdown(). */
void sigma_git_init(int want_tls);

/* The mbedTLS function libgit2 calls to load the CA bundle, defined here so
 * that the executable's definition wins (see gitinit.c). */
struct mbedtls_x509_crt;
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);

#endif
