/* fuzz_uv.c: libFuzzer target for uv.lock (with a fixed pyproject.toml). */
#include "tests/fuzz/fuzz_lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char manifest[] =
		"[project]\nname = \"app\"\ndependencies = [\"flask[async]\"]\n"
		"[dependency-groups]\ndev = [\"pytest\", {include-group = \"docs\"}]\n";
	return fuzz_lockfile_one("uv.lock", "app/uv.lock", "app/pyproject.toml", manifest, NULL, data, size);
}
