/* fuzz_requirements.c: libFuzzer target for requirements*.txt. The tree
 * callback serves one fixed file for every -r/-c include. */
#include "tests/fuzz/fuzz_lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char included[] =
		"flask==3.0.0 --hash=sha256:aa\n    # via -r requirements.txt\n-r ../base.txt\n-c c.txt\n"
		"git+https://example.invalid/x.git#egg=x\n-i https://mirror.invalid/simple\n"
		"six==${V} --hash sha256:bb --config-settings=a=b\n-r ${DIR}/r.txt\nidna==${UNSET}\n";
	return fuzz_lockfile_one("requirements.txt", "app/requirements.txt", NULL, NULL, included, data, size);
}
