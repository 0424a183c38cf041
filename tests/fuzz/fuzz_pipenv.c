/* fuzz_pipenv.c: libFuzzer target for Pipfile.lock (with a fixed Pipfile). */
#include "tests/fuzz/fuzz_lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char manifest[] =
		"[packages]\nrequests = \"*\"\n\"Flask_Login\" = {version = \"==1\"}\n[dev-packages]\npytest = \"*\"\n";
	return fuzz_lockfile_one("Pipfile.lock", "app/Pipfile.lock", "app/Pipfile", manifest, NULL, data, size);
}
