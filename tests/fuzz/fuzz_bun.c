/* fuzz_bun.c: libFuzzer target for bun.lock (JSON with trailing commas). */
#include "tests/fuzz/fuzz_lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char manifest[] = "{\"dependencies\":{\"a\":\"^1\"},\"workspaces\":[\"packages/*\"]}";
	return fuzz_lockfile_one("bun.lock", "app/bun.lock", "app/package.json", manifest, manifest, data, size);
}
