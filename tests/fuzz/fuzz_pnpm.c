/* fuzz_pnpm.c: libFuzzer target for pnpm-lock.yaml (5.x, v6 and v9). */
#include "tests/fuzz/fuzz_lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char manifest[] = "{\"dependencies\":{\"a\":\"^1\"}}";
	return fuzz_lockfile_one("pnpm-lock.yaml", "app/pnpm-lock.yaml", "app/package.json", manifest, manifest,
	                         data, size);
}
