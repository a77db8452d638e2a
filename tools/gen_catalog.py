#!/usr/bin/env python3
"""Generates src/catalog/catalog_data.cc from the official GHL OpenAPI specs.

Reads <shared>/ghl-openapi/apps/*.json (the top-level service files, not apps/v3/), the scope
table <shared>/ghl-openapi/scopes.tsv and the project's corrections in
tools/catalog_overlay.json, and writes one C++ source file of facts (no description text):
service, operationId, method, path, Version, token kinds, scopes, parameters, request-body
fields, paging style, the response key holding a page's items, the spec's deprecation flag
(with the replacement from the overlay's "replacements") and a one-line title of our own:
generated from the operationId ("send-a-new-message" -> "Send a new message") and replaced
by tools/catalog_titles.json where that reads badly. Titles never copy spec prose.

  python3 tools/gen_catalog.py --shared ../shared --out src/catalog/catalog_data.cc
  python3 tools/gen_catalog.py --shared ../shared --out src/catalog/catalog_data.cc --check

--check writes nothing; it exits 1 with a short diff summary when the file would change.
Output is deterministic (sorted by service, path, method; arrays deduplicated in first-use
order), so a test can compare bytes. Standard library only.
"""

import argparse
import difflib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OVERLAY = os.path.join(HERE, "catalog_overlay.json")
DEFAULT_TITLES = os.path.join(HERE, "catalog_titles.json")

METHODS = ("get", "post", "put", "patch", "delete")
SKIPPED_HEADERS = {"version", "authorization"}
PARAM_TYPES = {"string", "number", "integer", "boolean", "array", "object"}

LOCATION_SCHEMES = {"bearer", "Location-Access", "Location-Access-Only"}
AGENCY_SCHEMES = {"Agency-Access", "Agency-Access-Only"}
KIND_LOCATION = 1
KIND_AGENCY = 2

PAGING = {
    "none": "kNone",
    "body-page": "kBodyPage",
    "search-after": "kBodySearchAfter",
    "start-after": "kStartAfter",
    "skip-limit": "kSkipLimit",
    "offset-limit": "kOffsetLimit",
    "page-limit": "kPageLimit",
    "last-message-id": "kLastMessageId",
}
PARAM_IN = {"path": "kPath", "query": "kQuery", "header": "kHeader"}


class SpecError(Exception):
    pass


class Resolver:
    """Resolves JSON references within one spec file and the shared common file(s)."""

    def __init__(self, spec_path):
        self.base_dir = os.path.dirname(spec_path)
        self.docs = {}
        self.root = self._load(spec_path)

    def _load(self, path):
        path = os.path.normpath(path)
        if path not in self.docs:
            with open(path, encoding="utf-8") as f:
                self.docs[path] = (json.load(f), os.path.dirname(path))
        return path

    def deref(self, node, doc=None, depth=0):
        """Follows $ref chains; returns (node, doc key the node lives in)."""
        doc = doc or self.root
        while isinstance(node, dict) and "$ref" in node:
            if depth > 32:
                raise SpecError("reference loop at " + node["$ref"])
            depth += 1
            ref = node["$ref"]
            file_part, _, pointer = ref.partition("#")
            if file_part:
                doc = self._load(os.path.join(self.docs[doc][1], file_part))
            target = self.docs[doc][0]
            for part in [p for p in pointer.split("/") if p]:
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise SpecError("unresolved reference " + ref)
                target = target[part]
            node = target
        return node, doc

    def flatten(self, schema, doc=None, depth=0):
        """Returns (properties dict, required list, doc) of an object schema, merging allOf."""
        schema, doc = self.deref(schema, doc)
        if not isinstance(schema, dict) or depth > 16:
            return {}, [], doc
        props = {}
        required = []
        for part in schema.get("allOf", []):
            p, r, _ = self.flatten(part, doc, depth + 1)
            # Keep each property's own doc key so nested $refs resolve in the right file.
            props.update(p)
            required += [x for x in r if x not in required]
        for name, prop in (schema.get("properties") or {}).items():
            props[name] = (prop, doc)
        required += [x for x in schema.get("required", []) or [] if x not in required]
        return props, required, doc

    def type_of(self, schema, doc):
        schema, doc = self.deref(schema, doc)
        if not isinstance(schema, dict):
            return ""
        t = schema.get("type")
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), "")
        if t in PARAM_TYPES:
            return t
        if "items" in schema:
            return "array"
        if "properties" in schema or "additionalProperties" in schema:
            return "object"
        if "allOf" in schema:
            for part in schema["allOf"]:
                sub = self.type_of(part, doc)
                if sub:
                    return sub
        return ""


def norm_path_key(method, path):
    """'GET', '/contacts/:contactId/' -> 'GET /contacts/{}' (parameter names ignored)."""
    path = "/" + path.strip().strip("/")
    segs = []
    for seg in path.split("/")[1:]:
        if seg.startswith(":") or (seg.startswith("{") and seg.endswith("}")):
            seg = "{}"
        segs.append(seg)
    return method.upper() + " /" + "/".join(segs)


def load_scope_table(path):
    """scopes.tsv (scope, endpoint 'GET /x/:id', webhook_event, access) ->
    {key: (scopes in file order, token-kind bits from the access column)}."""
    table = {}
    if not os.path.exists(path):
        return table
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for line in lines[1:]:
        cols = line.split("\t")
        if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
            continue
        method, _, p = cols[1].strip().partition(" ")
        if not p:
            continue
        key = norm_path_key(method, p)
        scopes, kinds = table.get(key, ([], 0))
        if cols[0].strip() not in scopes:
            scopes.append(cols[0].strip())
        access = cols[3] if len(cols) > 3 else ""
        if "Sub-Account" in access:
            kinds |= KIND_LOCATION
        if "Agency" in access:
            kinds |= KIND_AGENCY
        table[key] = (scopes, kinds)
    return table


def detect_paging(query_names, body_names):
    q = set(query_names)
    b = set(body_names)
    if "page" in b and "pageLimit" in b:
        return "body-page"
    if "searchAfter" in b:
        return "search-after"
    if "startAfter" in q and "startAfterId" in q:
        return "start-after"
    if "skip" in q and "limit" in q:
        return "skip-limit"
    if "offset" in q and "limit" in q:
        return "offset-limit"
    if "page" in q and "limit" in q:
        return "page-limit"
    if "lastMessageId" in q:
        return "last-message-id"
    return "none"


def lists_items(method, path):
    """Operations that answer a page of items: GET, or a search (a 'search' path segment)."""
    if method.upper() == "GET":
        return True
    return any(seg == "search" or seg.startswith("search") for seg in path.split("/"))


def items_key_of(op, res, path):
    """The top-level array property of the 200/201 JSON response: the only one, or the one
    named like a literal path segment ('products' for /products/); else ''. A bare array
    answer also gives '' (the body itself is the list)."""
    responses = op.get("responses") or {}
    for code in ("200", "201"):
        resp = responses.get(code)
        if not resp:
            continue
        resp, doc = res.deref(resp)
        content = (resp.get("content") or {}).get("application/json")
        if not content or "schema" not in content:
            continue
        props, _, _ = res.flatten(content["schema"], doc)
        arrays = [n for n, (p, d) in props.items() if res.type_of(p, d) == "array"]
        if len(arrays) == 1:
            return arrays[0]
        named = [n for n in arrays if n.lower() in path.lower().split("/")]
        return named[0] if len(named) == 1 else ""
    return ""


def read_operation(service, path, method, op, res, scope_table):
    if not op.get("operationId"):
        raise SpecError("%s %s %s has no operationId" % (service, method, path))
    ep = {
        "service": service,
        "operationId": op["operationId"],
        "id": service + "." + op["operationId"],
        "method": method.upper(),
        "path": path,
        "version": "",
        "tokenKinds": 0,
        "oauthOnly": False,
        "scopes": [],
        "parameters": [],
        "hasBody": False,
        "bodyMediaType": "",
        "bodyFields": [],
        "paging": "none",
        "itemsKey": "",
        "overlaid": False,
        "title": title_of(op["operationId"]),
        "deprecated": bool(op.get("deprecated", False)),
        "replacedBy": "",
    }
    for raw in op.get("parameters") or []:
        prm, doc = res.deref(raw)
        name = prm.get("name", "")
        where = prm.get("in", "")
        if where == "header" and name.lower() == "version":
            enum = (res.deref(prm.get("schema") or {}, doc)[0]).get("enum") or []
            if enum:
                ep["version"] = str(enum[0])
            continue
        if where == "header" and name.lower() in SKIPPED_HEADERS:
            continue
        if where not in PARAM_IN:
            continue  # cookie parameters: none in the specs, nothing to send
        ep["parameters"].append({
            "name": name,
            "in": where,
            "required": bool(prm.get("required", False)) or where == "path",
            "type": res.type_of(prm.get("schema") or {}, doc),
        })
    for entry in op.get("security") or []:
        for scheme, scopes in entry.items():
            if scheme in LOCATION_SCHEMES:
                ep["tokenKinds"] |= KIND_LOCATION
            elif scheme in AGENCY_SCHEMES:
                ep["tokenKinds"] |= KIND_AGENCY
            else:
                raise SpecError("unknown security scheme %r in %s" % (scheme, ep["id"]))
            if scheme.endswith("-Only"):
                ep["oauthOnly"] = True
            for s in scopes or []:
                if s not in ep["scopes"]:
                    ep["scopes"].append(s)
    # The official scope table fills what the spec leaves empty (never overrides the spec).
    table_scopes, table_kinds = scope_table.get(norm_path_key(method, path), ([], 0))
    if not ep["scopes"] and table_scopes:
        ep["scopes"] = list(table_scopes)
        ep["overlaid"] = True
    if not ep["tokenKinds"] and table_kinds:
        ep["tokenKinds"] = table_kinds
        ep["overlaid"] = True
    body = op.get("requestBody")
    if body:
        body, doc = res.deref(body)
        content = body.get("content") or {}
        media = "application/json" if "application/json" in content else (
            sorted(content)[0] if content else "")
        ep["bodyMediaType"] = media
        ep["hasBody"] = media == "application/json"
        if media and "schema" in content[media]:
            props, required, _ = res.flatten(content[media]["schema"], doc)
            for name in props:
                p, d = props[name]
                ep["bodyFields"].append(
                    {"name": name, "type": res.type_of(p, d), "required": name in required})
    ep["paging"] = detect_paging([p["name"] for p in ep["parameters"] if p["in"] == "query"],
                                 [b["name"] for b in ep["bodyFields"]] if ep["hasBody"] else [])
    if lists_items(method, path):
        ep["itemsKey"] = items_key_of(op, res, path)
    return ep


# How words of an operationId are written in a title; platform prefixes become "Platform: ".
WORD_FORMS = {
    "id": "ID", "ids": "IDs", "sms": "SMS", "csv": "CSV", "saas": "SaaS", "oauth": "OAuth",
    "url": "URL", "urls": "URLs", "ai": "AI", "text2pay": "Text2Pay", "facebook": "Facebook",
    "linkedin": "LinkedIn", "instagram": "Instagram", "tiktok": "TikTok", "twitter": "Twitter",
    "google": "Google",
}
PLATFORM_PREFIXES = {"fb": "Facebook", "li": "LinkedIn", "google": "Google"}


def title_of(operation_id):
    """'send-a-new-message' -> 'Send a new message'; 'getAgentById' -> 'Get agent by ID';
    'fb-get-pages' -> 'Facebook: get pages'. A '-deprecated' suffix is dropped (the flag says
    it)."""
    op = operation_id
    if op.endswith("-deprecated"):
        op = op[:-len("-deprecated")]
    op = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", op)
    words = [w.lower() for w in re.split(r"[-_ ]+", op) if w]
    prefix = ""
    if len(words) > 1 and words[0] in PLATFORM_PREFIXES:
        prefix = PLATFORM_PREFIXES[words[0]] + ": "
        words = words[1:]
    words = [WORD_FORMS.get(w, w) for w in words]
    text = " ".join(words)
    if not prefix:
        text = text[:1].upper() + text[1:]
    return prefix + text


def apply_titles(endpoints, titles):
    """Hand-written titles (tools/catalog_titles.json {"titles": {id: title}}) replace the
    generated ones; an id that matches no operation fails generation (stale entry)."""
    by_id = {e["id"]: e for e in endpoints}
    for op_id, title in sorted((titles.get("titles") or {}).items()):
        if op_id not in by_id:
            raise SpecError("catalog_titles.json: %r matches no operation" % op_id)
        if not isinstance(title, str) or not title.strip() or "\n" in title:
            raise SpecError("catalog_titles.json: %r needs a one-line title" % op_id)
        by_id[op_id]["title"] = title.strip()


def apply_replacements(endpoints, overlay):
    """overlay["replacements"]: [{id, replacedBy, why}] names the operation that replaces a
    deprecated one. The id must be deprecated in the spec and the replacement must exist."""
    by_id = {e["id"]: e for e in endpoints}
    for entry in overlay.get("replacements", []):
        ep = by_id.get(entry.get("id"))
        if ep is None:
            raise SpecError("replacement entry %r matches no operation" % entry.get("id"))
        if not ep["deprecated"]:
            raise SpecError("replacement entry %s: the spec does not deprecate it" % ep["id"])
        if entry.get("replacedBy") not in by_id:
            raise SpecError("replacement entry %s: unknown replacedBy %r" % (
                ep["id"], entry.get("replacedBy")))
        if not entry.get("why"):
            raise SpecError("replacement entry %s has no 'why'" % ep["id"])
        ep["replacedBy"] = entry["replacedBy"]


def apply_overlay(endpoints, overlay):
    by_id = {e["id"]: e for e in endpoints}
    allowed = {"version", "tokenKinds", "oauthOnly", "scopes", "parameters", "hasBody",
               "bodyMediaType", "bodyFields", "paging", "itemsKey"}
    for entry in overlay.get("endpoints", []):
        ep = by_id.get(entry.get("id"))
        if ep is None:
            raise SpecError("overlay entry %r matches no operation" % entry.get("id"))
        if entry.get("method") != ep["method"] or entry.get("path") != ep["path"]:
            raise SpecError("overlay entry %s says %s %s but the spec has %s %s" % (
                ep["id"], entry.get("method"), entry.get("path"), ep["method"], ep["path"]))
        if not entry.get("why"):
            raise SpecError("overlay entry %s has no 'why'" % ep["id"])
        changes = entry.get("set") or {}
        unknown = set(changes) - allowed
        if unknown:
            raise SpecError("overlay entry %s sets unknown keys %s" % (ep["id"], sorted(unknown)))
        for key, value in changes.items():
            if key == "paging" and value not in PAGING:
                raise SpecError("overlay entry %s: unknown paging %r" % (ep["id"], value))
            if key == "tokenKinds":
                value = (KIND_LOCATION if "location" in value else 0) | (
                    KIND_AGENCY if "agency" in value else 0)
            ep[key] = value
        for patch in entry.get("patchParameters", []):
            hits = [p for p in ep["parameters"]
                    if p["name"] == patch["name"] and p["in"] == patch["in"]]
            if not hits:
                raise SpecError("overlay entry %s patches missing parameter %s" % (
                    ep["id"], patch["name"]))
            hits[0].update({k: v for k, v in patch.items() if k in ("required", "type")})
            if "newName" in patch:
                hits[0]["name"] = patch["newName"]
        for patch in entry.get("patchBodyFields", []):
            hits = [b for b in ep["bodyFields"] if b["name"] == patch["name"]]
            if not hits:
                raise SpecError("overlay entry %s patches missing body field %s" % (
                    ep["id"], patch["name"]))
            hits[0].update({k: v for k, v in patch.items() if k in ("required", "type")})
        ep["overlaid"] = True


def collect(shared, overlay_path, titles_path=DEFAULT_TITLES):
    apps = os.path.join(shared, "ghl-openapi", "apps")
    files = sorted(f for f in os.listdir(apps)
                   if f.endswith(".json") and os.path.isfile(os.path.join(apps, f)))
    scope_table = load_scope_table(os.path.join(shared, "ghl-openapi", "scopes.tsv"))
    endpoints = []
    for fname in files:
        service = fname[:-len(".json")]
        res = Resolver(os.path.join(apps, fname))
        spec = res.docs[res.root][0]
        for path, item in (spec.get("paths") or {}).items():
            for method in METHODS:
                if method in item:
                    endpoints.append(
                        read_operation(service, path, method, item[method], res, scope_table))
    if overlay_path and os.path.exists(overlay_path):
        with open(overlay_path, encoding="utf-8") as f:
            overlay = json.load(f)
        apply_overlay(endpoints, overlay)
        apply_replacements(endpoints, overlay)
    if titles_path and os.path.exists(titles_path):
        with open(titles_path, encoding="utf-8") as f:
            apply_titles(endpoints, json.load(f))
    endpoints.sort(key=lambda e: (e["service"], e["path"], e["method"]))
    ids = [e["id"] for e in endpoints]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise SpecError("duplicate ids: " + ", ".join(dupes))
    return endpoints


def cstr(s):
    """A C++ string literal (ASCII; anything else escaped)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append("\\x%02x\"\"" % b)
    out.append('"')
    return "".join(out)


def render(endpoints):
    pools = {"S": {}, "P": {}, "B": {}}
    decls = []

    def pooled(kind, key, body_lines, ctype):
        pool = pools[kind]
        if not key:
            return "{}"
        if key not in pool:
            name = "k%s%d" % (kind, len(pool))
            pool[key] = name
            decls.append("constexpr %s %s[] = {\n%s\n};" % (ctype, name, "\n".join(body_lines)))
        return pool[key]

    rows = []
    for e in endpoints:
        s = pooled("S", tuple(e["scopes"]), ["    %s," % cstr(x) for x in e["scopes"]], "SV")
        pkey = tuple((p["name"], p["in"], p["required"], p["type"]) for p in e["parameters"])
        p = pooled("P", pkey, ["    {%s, ParamIn::%s, %s, %s}," % (
            cstr(n), PARAM_IN[i], "true" if r else "false", cstr(t)) for n, i, r, t in pkey],
            "Parameter")
        bkey = tuple((b["name"], b["type"], b["required"]) for b in e["bodyFields"])
        b = pooled("B", bkey, ["    {%s, %s, %s}," % (
            cstr(n), cstr(t), "true" if r else "false") for n, t, r in bkey], "BodyField")
        rows.append(
            "    {%s, %s, %s, %s, %s, %s, %d, %s,\n     %s, %s, %s, %s, Paging::%s, %s, %s, %s,\n"
            "     %s, %s, %s}," % (
                cstr(e["id"]), cstr(e["service"]), cstr(e["operationId"]), cstr(e["method"]),
                cstr(e["path"]), cstr(e["version"]), e["tokenKinds"],
                "true" if e["oauthOnly"] else "false", s, p,
                "true" if e["hasBody"] else "false", b, PAGING[e["paging"]], cstr(e["itemsKey"]),
                "true" if e["overlaid"] else "false", cstr(e["bodyMediaType"]),
                cstr(e["title"]), "true" if e["deprecated"] else "false", cstr(e["replacedBy"])))
    out = [
        "// GENERATED by tools/gen_catalog.py from the official GHL OpenAPI specs; do not edit.",
        "// Regenerate with `make catalog`; corrections go in tools/catalog_overlay.json,",
        "// titles (our own words) in tools/catalog_titles.json.",
        "// %d operations. Facts only (no description text from the specs)." % len(endpoints),
        "// clang-format off",
        "#include \"catalog_data.h\"",
        "",
        "namespace ghl::catalog::internal {",
        "namespace {",
        "",
        "using SV = std::string_view;",
        "",
    ]
    out += decls
    out += [
        "",
        "// id, service, operationId, method, path, version, tokenKinds, oauthOnly,",
        "// scopes, parameters, hasBody, bodyFields, paging, itemsKey, overlaid, bodyMediaType,",
        "// title, deprecated, replacedBy",
        "constexpr Endpoint kEndpoints[] = {",
    ]
    out += rows
    out += [
        "};",
        "",
        "}  // namespace",
        "",
        "std::span<const Endpoint> GeneratedEndpoints() { return kEndpoints; }",
        "",
        "}  // namespace ghl::catalog::internal",
        "",
    ]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", required=True, help="path to the shared/ folder")
    ap.add_argument("--out", required=True, help="the .cc file to write (or check)")
    ap.add_argument("--overlay", default=DEFAULT_OVERLAY, help="project corrections (JSON)")
    ap.add_argument("--titles", default=DEFAULT_TITLES, help="hand-written titles (JSON)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 with a diff summary if --out is stale")
    args = ap.parse_args()
    try:
        text = render(collect(args.shared, args.overlay, args.titles))
    except (OSError, SpecError, ValueError) as e:
        print("gen_catalog: %s" % e, file=sys.stderr)
        return 2
    return write_or_check(args.out, text, args.check, "gen_catalog", "make catalog")


def write_or_check(out, text, check, tool, remake):
    """Writes `text` to `out` atomically, or with `check` compares and reports a stale file
    (exit code 1, a short diff on stderr). Shared by the project's generators."""
    if check:
        try:
            with open(out, encoding="utf-8") as f:
                old = f.read()
        except OSError:
            old = ""
        if old == text:
            print("%s: %s is up to date" % (tool, out))
            return 0
        diff = list(difflib.unified_diff(old.splitlines(), text.splitlines(),
                                         out + " (committed)", out + " (generated)",
                                         n=0, lineterm=""))
        changed = sum(1 for d in diff if d[:1] in "+-" and d[:3] not in ("+++", "---"))
        print("%s: %s is stale (%d lines differ); run `%s`" % (tool, out, changed, remake),
              file=sys.stderr)
        for line in diff[:40]:
            print(line, file=sys.stderr)
        return 1
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
