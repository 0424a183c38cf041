/* fuzz_npm.c: libFuzzer target for package-lock.json (v1, v2, v3). */
#include "tests/fuzz/fuzz_lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char manifest[] =
		"{\"workspaces\":[\"packages/*\"],\"dependencies\":{\"a\":\"^1\",\"b\":\"*\"},"
		"\"devDependencies\":{\"c\":\"npm:d@^2\"}}";
	return fuzz_lockfile_one("package-lock.json", "app/package-lock.json", "app/package.json", manifest,
	                         manifest, data, size);
}
