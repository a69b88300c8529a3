#!/usr/bin/env python3
"""Extract key names and JSON types from the KubeVirt and CDI OpenAPI documents.

Reads api/openapi-spec/swagger.json from a KubeVirt and a CDI git repository
(bare or not), keeps the definitions reachable from VirtualMachine,
VirtualMachineInstance and KubeVirt's operation objects (snapshot, restore,
export, clone, migration, backup, replica set, pool) and CDI's DataVolume,
DataSource and DataImportCron, and writes
a compact, deterministic type description to a JSON file.

Usage:
    tools/schema/extract-schema.py --kubevirt <git dir> --cdi <git dir>
        [--kubevirt-rev REV] [--cdi-rev REV]
        [--output Tests/Schema/kubevirt-cdi-schema.json]

Output type grammar (each <type> is a JSON object):
    {"type": "string" | "integer" | "number" | "boolean"}
    {"type": "int-or-string"}          swagger format int-or-string
    {"type": "quantity"}               resource.Quantity (string or number)
    {"type": "any"}                    free-form value
    {"type": "array", "items": <type>}
    {"type": "map", "values": <type>}  object with additionalProperties
    {"type": "object", "properties": {"<key>": <type>, ...}}   closed object
    {"ref": "<origin>:<definition>"}   reference to another kept definition
Any of these may carry "nullable": true when the swagger document says the
value may be JSON null (type list containing "null", or "nullable": true).

Only the Python 3 standard library is used. Any schema construct this script
does not know is reported as an error instead of being guessed.
"""

import argparse
import json
import os
import subprocess
import sys

SWAGGER_PATH = "api/openapi-spec/swagger.json"

ABOUT = (
    "Key names and JSON types of the definitions reachable from VirtualMachine, "
    "VirtualMachineInstance, KubeVirt's operation objects, DataVolume, DataSource and DataImportCron, extracted by "
    "tools/schema/extract-schema.py. Do not edit."
)

# (origin prefix, repository, root label -> definition name in that document)
DOCUMENTS = [
    ("kubevirt", "kubevirt/kubevirt",
     {"VirtualMachine": "v1.VirtualMachine",
      "VirtualMachineInstance": "v1.VirtualMachineInstance",
      # The operation objects of decision D12 (examples/operations-namespace).
      "VirtualMachineBackup": "v1alpha1.VirtualMachineBackup",
      "VirtualMachineClone": "v1beta1.VirtualMachineClone",
      "VirtualMachineExport": "v1.VirtualMachineExport",
      "VirtualMachineInstanceMigration": "v1.VirtualMachineInstanceMigration",
      "VirtualMachineInstanceReplicaSet": "v1.VirtualMachineInstanceReplicaSet",
      "VirtualMachinePool": "v1beta1.VirtualMachinePool",
      "VirtualMachineRestore": "v1beta1.VirtualMachineRestore",
      "VirtualMachineSnapshot": "v1beta1.VirtualMachineSnapshot",
      "VirtualMachineSnapshotContent": "v1beta1.VirtualMachineSnapshotContent"}),
    ("cdi", "kubevirt/containerized-data-importer",
     {"DataVolume": "v1beta1.DataVolume",
      "DataSource": "v1beta1.DataSource",
      "DataImportCron": "v1beta1.DataImportCron"}),
]

# Definitions recognised by name. resource.Quantity is spelled differently in
# the two documents: KubeVirt rewrites it to type [string, integer, number]
# (pkg/util/openapi/openapi.go), CDI leaves it as plain "string". Both accept
# a JSON string or number on the wire.
QUANTITY_DEFINITIONS = {
    "k8s.io.apimachinery.pkg.api.resource.Quantity",
    "resource.Quantity",
}
QUANTITY_ALLOWED_TYPES = [["string"], ["integer", "number", "string"]]

# Keys of a schema object that carry no information about key names or JSON
# types, and are therefore ignored.
IGNORED_KEYS = {
    "description", "default", "example", "title", "enum", "required",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type", "x-kubernetes-patch-strategy",
    "x-kubernetes-patch-merge-key", "x-kubernetes-unions",
    "x-kubernetes-embedded-resource", "x-kubernetes-validations",
    "x-kubernetes-group-version-kind", "x-kubernetes-action",
}
# Keys that are interpreted.
HANDLED_KEYS = {
    "type", "format", "$ref", "properties", "additionalProperties", "items",
    "nullable", "allOf", "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string",
}

# Formats accepted per JSON type; a format changes nothing except
# string/int-or-string. Anything else is an error.
KNOWN_FORMATS = {
    "string": {None, "date-time", "date", "byte", "binary", "password",
               "int-or-string"},
    "integer": {None, "int32", "int64", "byte"},
    "number": {None, "float", "double"},
    "boolean": {None},
    "object": {None},
    "array": {None},
}

# Type lists (sorted, without "null") with a known meaning.
# [string, number] is how KubeVirt spells an inlined IntOrString
# (HTTPGetAction.port, TCPSocketAction.port; see pkg/util/openapi/openapi.go).
TYPE_LISTS = {
    ("number", "string"): "int-or-string",
    ("integer", "string"): "int-or-string",
    ("integer", "number", "string"): "quantity",
}

SCALARS = {"string", "integer", "number", "boolean"}


class SchemaError(Exception):
    pass


def git(git_dir, *args):
    if os.path.isfile(os.path.join(git_dir, "HEAD")) and \
            os.path.isdir(os.path.join(git_dir, "objects")):
        cmd = ["git", "--git-dir=" + git_dir]
    else:
        cmd = ["git", "-C", git_dir]
    proc = subprocess.run(cmd + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise SchemaError("git %s failed in %s: %s" % (
            " ".join(args), git_dir, proc.stderr.decode(errors="replace").strip()))
    return proc.stdout


class Document:
    def __init__(self, prefix, repository, git_dir, rev):
        self.prefix = prefix
        self.repository = repository
        self.commit = git(git_dir, "rev-parse", "--verify",
                          rev + "^{commit}").decode().strip()
        raw = git(git_dir, "show", "%s:%s" % (self.commit, SWAGGER_PATH))
        try:
            self.swagger = json.loads(raw.decode("utf-8"))
        except ValueError as e:
            raise SchemaError("%s: %s is not JSON: %s" % (repository, SWAGGER_PATH, e))
        version = self.swagger.get("swagger")
        if version != "2.0":
            raise SchemaError("%s: expected swagger 2.0, found %r" % (repository, version))
        self.definitions = self.swagger.get("definitions")
        if not isinstance(self.definitions, dict):
            raise SchemaError("%s: no definitions object" % repository)
        self.stats = {}

    def qualified(self, name):
        return "%s:%s" % (self.prefix, name)

    def ref_target(self, ref, where):
        if not isinstance(ref, str) or not ref.startswith("#/definitions/"):
            raise SchemaError("%s: unsupported $ref %r" % (where, ref))
        name = ref[len("#/definitions/"):]
        if "/" in name:
            raise SchemaError("%s: unsupported $ref %r" % (where, ref))
        name = name.replace("~1", "/").replace("~0", "~")
        if name not in self.definitions:
            raise SchemaError("%s: $ref %r names no definition" % (where, ref))
        return name

    def count(self, kind):
        self.stats[kind] = self.stats.get(kind, 0) + 1


def convert(doc, schema, where, refs, top_level_name=None):
    """Convert one swagger schema object into the output grammar.

    refs collects the names (unprefixed) of definitions referenced.
    """
    if not isinstance(schema, dict):
        raise SchemaError("%s: schema is not an object: %r" % (where, schema))
    unknown = set(schema) - IGNORED_KEYS - HANDLED_KEYS
    if unknown:
        raise SchemaError("%s: unhandled schema keys %s" % (where, sorted(unknown)))

    nullable = schema.get("nullable", False)
    if not isinstance(nullable, bool):
        raise SchemaError("%s: nullable is not a boolean: %r" % (where, nullable))

    def done(result, kind):
        doc.count(kind)
        if nullable:
            result["nullable"] = True
        return result

    # $ref, possibly wrapped in a single-element allOf.
    ref = schema.get("$ref")
    if "allOf" in schema:
        all_of = schema["allOf"]
        if ref is not None or not isinstance(all_of, list) or len(all_of) != 1 \
                or not isinstance(all_of[0], dict) or set(all_of[0]) != {"$ref"}:
            raise SchemaError("%s: unhandled allOf %r" % (where, all_of))
        ref = all_of[0]["$ref"]
    if ref is not None:
        extra = set(schema) & (HANDLED_KEYS - {"$ref", "allOf", "nullable"})
        if extra:
            raise SchemaError("%s: $ref with sibling keys %s" % (where, sorted(extra)))
        target = doc.ref_target(ref, where)
        refs.add(target)
        return done({"ref": doc.qualified(target)}, "ref")

    if top_level_name in QUANTITY_DEFINITIONS:
        t = schema.get("type")
        tl = sorted(t) if isinstance(t, list) else [t]
        if tl not in QUANTITY_ALLOWED_TYPES or set(schema) & (HANDLED_KEYS - {"type"}):
            raise SchemaError("%s: unexpected spelling of Quantity %r" % (where, schema))
        return done({"type": "quantity"}, "quantity")

    if schema.get("x-kubernetes-int-or-string") is True:
        return done({"type": "int-or-string"}, "int-or-string")

    if schema.get("x-kubernetes-preserve-unknown-fields") is True:
        return done({"type": "any"}, "any")

    t = schema.get("type")
    fmt = schema.get("format")

    if t is None:
        structural = set(schema) & {"properties", "additionalProperties", "items", "format"}
        if top_level_name is not None and not structural:
            # A definition with no type information at all.
            return done({"type": "any"}, "any")
        raise SchemaError("%s: schema without type: %r" % (where, sorted(schema)))

    if isinstance(t, list):
        if not t or not all(isinstance(x, str) for x in t):
            raise SchemaError("%s: bad type list %r" % (where, t))
        if "null" in t:
            nullable = True
        rest = sorted(set(x for x in t if x != "null"))
        if fmt is not None or set(schema) & {"properties", "additionalProperties", "items"}:
            raise SchemaError("%s: type list %r with format/structure" % (where, t))
        if len(rest) == 1:
            t = rest[0]
            if t not in SCALARS:
                raise SchemaError("%s: unhandled type list %r" % (where, schema["type"]))
        elif tuple(rest) in TYPE_LISTS:
            kind = TYPE_LISTS[tuple(rest)]
            return done({"type": kind}, kind)
        else:
            raise SchemaError("%s: unhandled type list %r" % (where, schema["type"]))

    if t not in KNOWN_FORMATS:
        raise SchemaError("%s: unknown type %r" % (where, t))
    if fmt not in KNOWN_FORMATS[t]:
        raise SchemaError("%s: unknown format %r for type %r" % (where, fmt, t))

    if t != "object" and "properties" in schema:
        raise SchemaError("%s: properties on type %r" % (where, t))
    if t != "object" and "additionalProperties" in schema:
        raise SchemaError("%s: additionalProperties on type %r" % (where, t))
    if t != "array" and "items" in schema:
        raise SchemaError("%s: items on type %r" % (where, t))

    if t == "string" and fmt == "int-or-string":
        return done({"type": "int-or-string"}, "int-or-string")
    if t in SCALARS:
        return done({"type": t}, t)

    if t == "array":
        items = schema.get("items")
        if not isinstance(items, dict):
            raise SchemaError("%s: array items must be one schema, found %r" % (where, items))
        return done({"type": "array", "items": convert(doc, items, where + "[]", refs)},
                    "array")

    # t == "object"
    props = schema.get("properties")
    addl = schema.get("additionalProperties")
    if props is not None and not isinstance(props, dict):
        raise SchemaError("%s: properties is not an object" % where)
    if props and addl not in (None, False):
        raise SchemaError("%s: both properties and additionalProperties" % where)
    if addl is not None and addl is not False:
        if addl is True:
            values = {"type": "any"}
        elif isinstance(addl, dict):
            values = convert(doc, addl, where + "{}", refs)
        else:
            raise SchemaError("%s: bad additionalProperties %r" % (where, addl))
        return done({"type": "map", "values": values}, "map")
    if not props and addl is None:
        # No properties and no additionalProperties: the swagger document
        # does not say which keys exist, so the value is free-form.
        return done({"type": "any"}, "any (object without properties)")
    # Properties given (or additionalProperties: false): a closed object.
    return done({"type": "object",
                 "properties": {k: convert(doc, v, "%s.%s" % (where, k), refs)
                                for k, v in sorted((props or {}).items())}},
                "object")


def extract(docs):
    out_defs = {}
    roots = {}
    for doc in docs:
        pending = []
        for label, name in doc.root_names.items():
            if name not in doc.definitions:
                raise SchemaError("%s: root definition %s missing" % (doc.repository, name))
            roots[label] = doc.qualified(name)
            pending.append(name)
        seen = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            refs = set()
            out_defs[doc.qualified(name)] = convert(
                doc, doc.definitions[name], doc.qualified(name), refs,
                top_level_name=name)
            pending.extend(sorted(refs - seen))
        doc.kept = len(seen)
    return roots, out_defs


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kubevirt", required=True,
                        help="git directory (bare or work tree) of kubevirt/kubevirt")
    parser.add_argument("--cdi", required=True,
                        help="git directory of kubevirt/containerized-data-importer")
    parser.add_argument("--kubevirt-rev", default="HEAD",
                        help="revision to read in the KubeVirt repository (default HEAD)")
    parser.add_argument("--cdi-rev", default="HEAD",
                        help="revision to read in the CDI repository (default HEAD)")
    parser.add_argument("--output", default="Tests/Schema/kubevirt-cdi-schema.json",
                        help="output file (default %(default)s)")
    args = parser.parse_args(argv)

    try:
        dirs = {"kubevirt": (args.kubevirt, args.kubevirt_rev),
                "cdi": (args.cdi, args.cdi_rev)}
        docs = []
        for prefix, repository, root_names in DOCUMENTS:
            git_dir, rev = dirs[prefix]
            doc = Document(prefix, repository, git_dir, rev)
            doc.root_names = root_names
            docs.append(doc)
        roots, definitions = extract(docs)
    except SchemaError as e:
        print("extract-schema: error: %s" % e, file=sys.stderr)
        return 1

    result = {
        "about": ABOUT,
        "sources": [{"repository": d.repository, "commit": d.commit, "file": SWAGGER_PATH}
                    for d in docs],
        "roots": roots,
        "definitions": definitions,
    }
    text = json.dumps(result, sort_keys=True, indent=1, ensure_ascii=True) + "\n"

    out_dir = os.path.dirname(args.output)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, args.output)

    for d in docs:
        kinds = ", ".join("%s=%d" % kv for kv in sorted(d.stats.items()))
        print("%s@%s: %d definitions in document, %d reachable and kept; schema nodes: %s"
              % (d.repository, d.commit[:12], len(d.definitions), d.kept, kinds),
              file=sys.stderr)
    print("wrote %s: %d definitions, %d bytes" % (args.output, len(definitions), len(text)),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
