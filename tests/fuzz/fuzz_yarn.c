/* fuzz_yarn.c: libFuzzer target for yarn.lock (classic and berry). */
#include "tests/fuzz/fuzz_lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char manifest[] =
		"{\"workspaces\":[\"packages/a\",\"packages/*\",\"tools/**\",\"!packages/b\",\"missing/*\"],"
		"\"dependencies\":{\"a\":\"^1\",\"b\":\"*\"},"
		"\"devDependencies\":{\"c\":\"npm:d@^2\"}}";
	static const char ws[] = "{\"name\":\"ws\",\"dependencies\":{\"e\":\"file:../e\"}}";
	return fuzz_lockfile_one("yarn.lock", "app/yarn.lock", "app/package.json", manifest, ws, data, size);
}
