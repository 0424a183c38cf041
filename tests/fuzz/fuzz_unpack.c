/* fuzz_unpack.c: libFuzzer target for the package unpacker
 * (registry/unpack.c, libarchive): arbitrary bytes as a .tgz / .zip / .whl.
 * Whatever it accepts must have only relative, normalised paths and respect
 * the caps; it never writes to disk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "registry/unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unpack_limits lim = { (size_t)1 << 20, 200, (size_t)256 << 10 };
	unpack_result r;
	memset(&r, 0, sizeof r);
	if (unpack_archive(&r, data, size, 1, &lim) == 0) {
		size_t total = 0;
		for (size_t i = 0; i < r.nfiles; i++) {
			const char *p = r.files[i].path;
			if (!p || p[0] == '/' || strstr(p, "../") || !strcmp(p, "..") || r.files[i].len > lim.max_file)
				abort(); /* an escape or a cap that did not hold */
			total += r.files[i].len;
		}
		if (total > lim.max_total || r.nfiles > lim.max_files)
			abort();
	}
	unpack_result_dispose(&r);
	return 0;
}
