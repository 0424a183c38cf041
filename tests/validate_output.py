#!/usr/bin/env python3
"""validate_output.py KIND FILE: check a `sigma scan --format KIND` document.

sarif and cyclonedx are validated against the official JSON schemas in
tests/fixtures/schemas (see its README for where each file comes from),
offline: every $ref resolves to a file of that directory, never to the
network. spdx has no official JSON schema for 2.3 that this machine can
obtain, so its structure is checked here by hand against the SPDX 2.3
specification's JSON serialisation (required fields, SPDXID syntax, the
relationship, checksum and external-reference vocabularies, and that every
relationship names an element of the document).

Prints one line per problem; exit 0 when there is none."""
import json
import os
import re
import sys

import warnings

import jsonschema

warnings.filterwarnings("ignore", category=DeprecationWarning)

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "schemas")


def load(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        return json.load(f)


def schema_errors(doc, main):
    store = {}
    for name in os.listdir(SCHEMAS):
        if name.endswith(".json"):
            s = load(name)
            for key in ("$id", "id"):
                if isinstance(s.get(key), str):
                    store[s[key].rstrip("#")] = s
    schema = load(main)
    cls = jsonschema.validators.validator_for(schema)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    v = cls(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)) or "(root)", e.message) for e in v.iter_errors(doc)]


SPDX_REL = {
    "DESCRIBES", "DESCRIBED_BY", "CONTAINS", "CONTAINED_BY", "DEPENDS_ON", "DEPENDENCY_OF",
    "DEPENDENCY_MANIFEST_OF", "BUILD_DEPENDENCY_OF", "DEV_DEPENDENCY_OF", "OPTIONAL_DEPENDENCY_OF",
    "PROVIDED_DEPENDENCY_OF", "TEST_DEPENDENCY_OF", "RUNTIME_DEPENDENCY_OF", "EXAMPLE_OF", "GENERATES",
    "GENERATED_FROM", "ANCESTOR_OF", "DESCENDANT_OF", "VARIANT_OF", "DISTRIBUTION_ARTIFACT", "PATCH_FOR",
    "PATCH_APPLIED", "COPY_OF", "FILE_ADDED", "FILE_DELETED", "FILE_MODIFIED", "EXPANDED_FROM_ARCHIVE",
    "DYNAMIC_LINK", "STATIC_LINK", "DATA_FILE_OF", "TEST_CASE_OF", "BUILD_TOOL_OF", "DEV_TOOL_OF", "TEST_OF",
    "TEST_TOOL_OF", "DOCUMENTATION_OF", "OPTIONAL_COMPONENT_OF", "METAFILE_OF", "PACKAGE_OF", "AMENDS",
    "PREREQUISITE_FOR", "HAS_PREREQUISITE", "REQUIREMENT_DESCRIPTION_FOR", "SPECIFICATION_FOR", "OTHER",
}
SPDX_ALG = {"SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "MD2", "MD4", "MD5", "MD6", "SHA3-256", "SHA3-384",
            "SHA3-512", "BLAKE2b-256", "BLAKE2b-384", "BLAKE2b-512", "BLAKE3", "ADLER32"}
SPDX_HEXLEN = {"SHA1": 40, "SHA256": 64, "SHA512": 128}
SPDX_PURPOSE = {"APPLICATION", "FRAMEWORK", "LIBRARY", "CONTAINER", "OPERATING-SYSTEM", "DEVICE", "FIRMWARE",
                "SOURCE", "ARCHIVE", "FILE", "INSTALL", "OTHER"}
SPDXID = re.compile(r"^SPDXRef-[A-Za-z0-9.\-]+$")
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def spdx_errors(d):
    err = []

    def need(obj, key, where, kind=str):
        if not isinstance(obj.get(key), kind):
            err.append("%s: %s missing or not a %s" % (where, key, kind.__name__))
            return False
        return True

    if d.get("spdxVersion") != "SPDX-2.3":
        err.append("spdxVersion is not SPDX-2.3")
    if d.get("dataLicense") != "CC0-1.0":
        err.append("dataLicense is not CC0-1.0")
    if d.get("SPDXID") != "SPDXRef-DOCUMENT":
        err.append("SPDXID is not SPDXRef-DOCUMENT")
    need(d, "name", "document")
    if need(d, "documentNamespace", "document") and (
            not re.match(r"^[a-z][a-z0-9+.-]*:", d["documentNamespace"]) or "#" in d["documentNamespace"]):
        err.append("documentNamespace is not a URI without '#'")
    ci = d.get("creationInfo")
    if not isinstance(ci, dict):
        err.append("creationInfo missing")
    else:
        if not DATE.match(str(ci.get("created"))):
            err.append("creationInfo.created is not YYYY-MM-DDThh:mm:ssZ")
        creators = ci.get("creators")
        if not isinstance(creators, list) or not creators or not all(
                isinstance(c, str) and re.match(r"^(Tool|Organization|Person): .+", c) for c in creators):
            err.append("creationInfo.creators: not a list of 'Tool: ...' etc.")
    ids = {"SPDXRef-DOCUMENT"}
    for i, p in enumerate(d.get("packages") or []):
        w = "packages[%d]" % i
        if need(p, "SPDXID", w):
            if not SPDXID.match(p["SPDXID"]):
                err.append("%s: bad SPDXID %r" % (w, p["SPDXID"]))
            if p["SPDXID"] in ids:
                err.append("%s: SPDXID %s used twice" % (w, p["SPDXID"]))
            ids.add(p["SPDXID"])
        need(p, "name", w)
        if need(p, "downloadLocation", w) and not (
                p["downloadLocation"] in ("NOASSERTION", "NONE") or re.match(r"^https?://\S+$", p["downloadLocation"])):
            err.append("%s: downloadLocation %r" % (w, p["downloadLocation"]))
        if "versionInfo" in p:
            need(p, "versionInfo", w)
        if "filesAnalyzed" in p and not isinstance(p["filesAnalyzed"], bool):
            err.append("%s: filesAnalyzed not a boolean" % w)
        if p.get("filesAnalyzed", True) and "packageVerificationCode" not in p:
            err.append("%s: filesAnalyzed without packageVerificationCode" % w)
        if "primaryPackagePurpose" in p and p["primaryPackagePurpose"] not in SPDX_PURPOSE:
            err.append("%s: primaryPackagePurpose %r" % (w, p["primaryPackagePurpose"]))
        for c in p.get("checksums", []):
            alg, val = c.get("algorithm"), c.get("checksumValue")
            if alg not in SPDX_ALG or not isinstance(val, str) or not re.match(r"^[0-9a-f]+$", val) or \
                    (alg in SPDX_HEXLEN and len(val) != SPDX_HEXLEN[alg]):
                err.append("%s: checksum %r" % (w, c))
        for r in p.get("externalRefs", []):
            if r.get("referenceCategory") not in ("SECURITY", "PACKAGE-MANAGER", "PERSISTENT-ID", "OTHER"):
                err.append("%s: referenceCategory %r" % (w, r.get("referenceCategory")))
            if r.get("referenceCategory") == "PACKAGE-MANAGER" and r.get("referenceType") == "purl" and \
                    not str(r.get("referenceLocator")).startswith("pkg:"):
                err.append("%s: purl %r" % (w, r.get("referenceLocator")))
            if not isinstance(r.get("referenceLocator"), str) or " " in r["referenceLocator"]:
                err.append("%s: referenceLocator %r" % (w, r.get("referenceLocator")))
        extra = set(p) - {"SPDXID", "name", "versionInfo", "downloadLocation", "filesAnalyzed", "checksums",
                          "externalRefs", "primaryPackagePurpose", "comment", "supplier", "licenseConcluded",
                          "licenseDeclared", "copyrightText", "description", "homepage", "sourceInfo", "summary"}
        if extra:
            err.append("%s: properties SPDX 2.3 does not define: %s" % (w, sorted(extra)))
    for i, r in enumerate(d.get("relationships") or []):
        w = "relationships[%d]" % i
        if r.get("relationshipType") not in SPDX_REL:
            err.append("%s: relationshipType %r" % (w, r.get("relationshipType")))
        for k in ("spdxElementId", "relatedSpdxElement"):
            if r.get(k) not in ids and r.get(k) not in ("NOASSERTION", "NONE"):
                err.append("%s: %s %r names no element" % (w, k, r.get(k)))
    if not any(r.get("relationshipType") == "DESCRIBES" and r.get("spdxElementId") == "SPDXRef-DOCUMENT"
               for r in d.get("relationships") or []):
        err.append("no DESCRIBES relationship from the document")
    return err


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        doc = json.load(f)
    if kind == "sarif":
        errs = schema_errors(doc, "sarif-2.1.0.json")
    elif kind == "cyclonedx":
        errs = schema_errors(doc, "bom-1.5.schema.json")
    elif kind == "spdx":
        errs = spdx_errors(doc)
    else:
        sys.exit("unknown kind " + kind)
    for e in errs[:20]:
        print("%s: %s" % (path, e))
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
