/* test_integrity.c: digests against known vectors, SRI with several
 * tokens (the strongest algorithm decides), shasum and sha256 hex, the
 * mismatch message naming both values, and integrity comparison across
 * spellings (SRI base64 vs sha256:hex). */
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "registry/integrity.h"
#include "tap.h"

int main(void)
{
	integrity_digests d;
	ok(integrity_compute(&d, "abc", 3) == 0, "compute");
	ok(!strcmp(d.sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "sha256(abc)");
	char *s512 = integrity_sri_token(&d, "sha512", NULL);
	ok(s512 && !strcmp(s512, "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="),
	   "SRI sha512 of abc");
	ok(integrity_check_sri(&d, s512) == 0, "its own SRI matches");
	char *two = malloc(strlen(s512) + 200);
	strcpy(two, "sha512-AAAA ");
	strcat(two, s512);
	strcat(two, " sha256-ungA0R8uZvHhA6jl3xsFr6aHiGMDuMeNrkeR1cRWHrw=");
	ok(integrity_check_sri(&d, two) == 0, "several tokens: one sha512 match is enough, a wrong sha256 is ignored");
	ok(integrity_check_sri(&d, "sha512-AAAA sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=") == SIGMA_EINVALID,
	   "the strongest algorithm decides: a right sha256 does not save a wrong sha512");
	ok(strstr(sigma_error_last(), "registry says sha512-AAAA") && strstr(sigma_error_last(), "the download has sha512-3a81"),
	   "the message names both values (%s)", sigma_error_last());
	ok(integrity_check_sri(&d, "md5-abc foo") == SIGMA_ENOTFOUND, "no supported algorithm: ENOTFOUND");
	ok(integrity_check_hex(&d, "sha1", "a9993e364706816aba3e25717850c26c9cd0d89d") == 0, "shasum (sha1 hex)");
	ok(integrity_check_hex(&d, "sha256", "00") == SIGMA_EINVALID, "a wrong sha256 hex");
	char *pypi = integrity_sri_token(NULL, "sha256", d.sha256_hex);
	char *colon = malloc(80);
	strcpy(colon, "sha256:");
	strcat(colon, d.sha256_hex);
	ok(integrity_compare(pypi, colon) == 1, "sha256-base64 and sha256:hex of one digest compare equal");
	integrity_digests other;
	integrity_compute(&other, "abd", 3);
	char *o512 = integrity_sri_token(&other, "sha512", NULL);
	ok(integrity_compare(s512, o512) == -1, "same algorithm, different digest: -1");
	ok(integrity_compare(s512, "sha512-AAAA") == 0, "a malformed token is not comparable: 0");
	free(o512);
	ok(integrity_compare(s512, colon) == 0, "no shared algorithm: 0");
	free(s512); free(two); free(pypi); free(colon);
	return tap_done();
}
