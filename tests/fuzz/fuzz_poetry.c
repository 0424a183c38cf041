/* fuzz_poetry.c: libFuzzer target for poetry.lock (with a fixed pyproject.toml). */
#include "tests/fuzz/fuzz_lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char manifest[] =
		"[project]\nname = \"app\"\ndependencies = [\"rich[jupyter]>=1\", \"click\"]\n"
		"[tool.poetry.dependencies]\npython = \"^3.8\"\npygments = {version = \"^2\", extras = [\"x\"]}\n"
		"[tool.poetry.group.test.dependencies]\npytest = \"*\"\n";
	return fuzz_lockfile_one("poetry.lock", "app/poetry.lock", "app/pyproject.toml", manifest, NULL, data, size);
}
