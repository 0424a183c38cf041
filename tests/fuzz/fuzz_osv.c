/* fuzz_osv.c: libFuzzer target for OSV record import (registry/osv.c):
 * arbitrary bytes as one OSV JSON document, imported into an in-memory
 * registry, then every affected package's version matched. A rejection must
 * be an error code with a message, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "registry/db.h"
#include "registry/osv.h"

static registry *reg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!reg && registry_open(&reg, ":memory:", REGISTRY_CREATE) != 0)
		abort();
	osv_stats st;
	memset(&st, 0, sizeof st);
	(void)osv_looks_like((const char *)data, size);
	int rc = osv_import_json(reg, (const char *)data, size, "fuzz.json", &st);
	if (rc > 0)
		abort();
	if (rc < 0 && !sigma_error_last()[0])
		abort(); /* every failure says why */
	osv_match m;
	if (osv_match_version(&m, reg, "npm", "left-pad", "1.3.0") == 0)
		osv_match_dispose(&m);
	return 0;
}
