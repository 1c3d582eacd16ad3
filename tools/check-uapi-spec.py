#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the synguard uAPI header, the YNL spec and the module agree.

    check-uapi-spec.py [--spec FILE] [--header FILE] [--module DIR]

From Documentation/netlink/specs/synguard.yaml it derives what a YNL
generated uAPI header would hold (FAMILY_NAME/VERSION, one enum per
definition, attribute set and the commands, with their values and
__X_MAX/X_MAX) and compares it with include/uapi/linux/synguard.h:
names, values and order. A flags definition may be #defines in the
header instead of an enum: each must then have the spec's value. The attribute trees drawn in the header's
comment must give each attribute the spec's type and each command the
spec's request and reply attributes, do or dump, and admin permission;
an event (a notification) the attributes of its message. Each constant
and multicast group must be #defined with the spec's value or name.
In the module, every policy entry must have the spec's type, every op
the spec's do/dump and permission, and the stats attributes must follow
the counters of module/stats.h, with the gauge right after gateway_learned.

Prints one line per disagreement and exits 1 if there is any; exit 4
(kselftest skip) if python3-yaml is missing.
"""

import argparse
import os
import re
import sys

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed")
    sys.exit(4)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

errors = []


def err(msg):
    errors.append(msg)
    print("FAIL: " + msg)


def c_name(s):
    return s.upper().replace("-", "_")


# --- what the spec says --------------------------------------------------


def spec_enums(spec):
    """Every enum a YNL uAPI header would render: list of (name, entries,
    kind) with entries a list of (NAME, value), name None for anonymous
    and kind the definition's type ("enum" or "flags"), or None."""
    family = spec["name"]
    out = []
    for d in spec.get("definitions", []):
        if d["type"] not in ("enum", "flags"):
            continue
        prefix = c_name(d.get("name-prefix", "%s-%s-" % (family, d["name"])))
        v = d.get("value-start", 0)
        entries = []
        for e in d["entries"]:
            ename = e if isinstance(e, str) else e["name"]
            if isinstance(e, dict) and "value" in e:
                v = e["value"]
            entries.append((prefix + c_name(ename),
                            v if d["type"] == "enum" else 1 << v))
            v += 1
        if d.get("render-max"):
            base = prefix.rstrip("_")
            entries.append(("__" + base + "_MAX", v))
            entries.append((base + "_MAX", v - 1))
        out.append((d.get("enum-name", "%s_%s" % (family, d["name"]))
                    .replace("-", "_"), entries, d["type"]))
    for s in spec["attribute-sets"]:
        if "subset-of" in s:
            continue
        prefix = c_name(s.get("name-prefix",
                              "%s-%s-a-" % (family, s["name"])))
        v = 1
        entries = []
        for a in s["attributes"]:
            v = a.get("value", v)
            entries.append((prefix + c_name(a["name"]), v))
            v += 1
        base = prefix.rstrip("_")
        entries.append(("__" + base + "_MAX", v))
        entries.append((base + "_MAX", v - 1))
        out.append((s.get("enum-name"), entries, None))
    ops = spec["operations"]
    prefix = c_name(ops.get("name-prefix", "%s-cmd-" % family))
    v = 1
    entries = []
    for op in ops["list"]:
        v = op.get("value", v)
        entries.append((prefix + c_name(op["name"]), v))
        v += 1
    base = prefix.rstrip("_")
    entries.append(("__" + base + "_MAX", v))
    entries.append((base + "_MAX", v - 1))
    out.append((ops.get("enum-name"), entries, None))
    return out


def set_prefix(spec, name):
    for s in spec["attribute-sets"]:
        if s["name"] == name:
            return c_name(s.get("name-prefix",
                                "%s-%s-a-" % (spec["name"], name)))
    raise KeyError(name)


def spec_sets(spec):
    """{set name: {ATTR_C_NAME: attribute dict}} and {ATTR: set name}."""
    family = spec["name"]
    sets, owner = {}, {}
    for s in spec["attribute-sets"]:
        prefix = c_name(s.get("name-prefix",
                              "%s-%s-a-" % (family, s["name"])))
        sets[s["name"]] = {}
        for a in s["attributes"]:
            sets[s["name"]][prefix + c_name(a["name"])] = a
            owner[prefix + c_name(a["name"])] = s["name"]
    return sets, owner


# --- what the header says ------------------------------------------------


def eval_value(expr, known):
    expr = expr.strip()
    m = re.fullmatch(r"\(?\s*(\w+)\s*-\s*1\s*\)?", expr)
    if m and m.group(1) in known:
        return known[m.group(1)] - 1
    if expr in known:
        return known[expr]
    return int(expr, 0)


def header_enums(text):
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = []
    known = {}
    for m in re.finditer(r"enum\s*(\w*)\s*\{(.*?)\}\s*;", code, re.S):
        entries = []
        v = 0
        for item in m.group(2).split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                name, expr = item.split("=", 1)
                name = name.strip()
                v = eval_value(expr, known)
            else:
                name = item
            entries.append((name, v))
            known[name] = v
            v += 1
        out.append((m.group(1) or None, entries))
    return out


def header_defines(text):
    return dict(re.findall(r"#define[ \t]+(\w+)[ \t]+(.+)", text))


def header_tree(text):
    """The comment's attribute trees: {command: {"kind": do|dump,
    "admin": bool, "request": [...], "reply": [...]}} with each list of
    (depth, ATTR, type), depth 0 for top-level attributes."""
    cmds = {}
    m = None
    for m in re.finditer(r"/\*(.*?)\*/", text, re.S):
        if "SYNGUARD_CMD_" in m.group(1):
            break
    if not m:
        return cmds
    current, section = [], None
    for raw in m.group(1).splitlines():
        line = re.sub(r"^\s*\*", "", raw).rstrip()
        if not line.strip():
            continue
        cm = re.match(r"\s*((?:SYNGUARD_CMD_\w+(?:,\s*)?)+)\s*\((.*)\)",
                      line)
        if cm:
            names = re.findall(r"SYNGUARD_CMD_\w+", cm.group(1))
            flags = [f.strip() for f in cm.group(2).split(",")]
            kind = "dump" if "dump" in flags else \
                "event" if "event" in flags else "do"
            current = []
            for n in names:
                cmds[n] = {"kind": kind, "admin": "admin" in flags,
                           "request": [], "reply": [], "message": []}
                current.append(n)
            section = None
            continue
        sm = re.match(r"\s*(request|reply|message)\b", line)
        if sm and current:
            section = sm.group(1)
            continue
        am = re.match(r"(\s*)(SYNGUARD_A_\w+)\s+(\w+)", line)
        if am and current and section:
            depth = len(am.group(1).expandtabs(8))
            for n in current:
                cmds[n][section].append((depth, am.group(2), am.group(3)))
    # Depth relative to the section's first attribute.
    for c in cmds.values():
        for sec in ("request", "reply", "message"):
            if c[sec]:
                d0 = min(d for d, _, _ in c[sec])
                c[sec] = [(0 if d == d0 else 1, a, t) for d, a, t in c[sec]]
    return cmds


# --- checks --------------------------------------------------------------


def check_flag_defines(name, entries, defs):
    """A flags definition the header has as #defines, not an enum."""
    want = dict(entries)
    prefix = os.path.commonprefix(list(want))
    prefix = prefix[:prefix.rfind("_") + 1]
    for ename, v in entries:
        if ename not in defs:
            err("header lacks %s (%#x) of %s" % (ename, v, name))
            continue
        try:
            got = int(defs[ename].split("/*")[0].strip().strip("()"), 0)
        except ValueError:
            got = defs[ename].strip()
        if got != v:
            err("%s is %s in the header, %#x by the spec"
                % (ename, hex(got) if isinstance(got, int) else got, v))
    for dname in defs:
        if len(want) > 1 and dname.startswith(prefix) and dname not in want:
            err("header defines %s, which %s in the spec lacks"
                % (dname, name))


def check_enums(spec, hdr_text):
    hdr = header_enums(hdr_text)
    defs = header_defines(hdr_text)
    by_first = {e[0][0]: (n, e) for n, e in hdr if e}
    for name, entries, kind in spec_enums(spec):
        first = entries[0][0]
        if first not in by_first and kind == "flags" and first in defs:
            check_flag_defines(name, entries, defs)
            continue
        if first not in by_first:
            err("header lacks the enum starting with %s" % first)
            continue
        hname, hentries = by_first[first]
        if name and hname != name:
            err("enum with %s is named '%s' in the header, '%s' by the spec"
                % (first, hname, name))
        if hentries != entries:
            for i in range(max(len(entries), len(hentries))):
                want = entries[i] if i < len(entries) else None
                got = hentries[i] if i < len(hentries) else None
                if want != got:
                    err("enum %s: entry %d is %s in the header, %s by the spec"
                        % (name or first, i, got, want))
                    break
    spec_first = {e[0][0] for _, e, _ in spec_enums(spec)}
    for name, entries in hdr:
        if entries and entries[0][0] not in spec_first:
            err("header enum %s (%s...) is not in the spec"
                % (name or "(anonymous)", entries[0][0]))


def check_defines(spec, hdr_text):
    defs = header_defines(hdr_text)
    fam = c_name(spec.get("c-family-name", spec["name"] + "-family-name"))
    ver = c_name(spec.get("c-version-name", spec["name"] + "-family-version"))
    if defs.get(fam, "").strip() != '"%s"' % spec["name"]:
        err("%s is %s, the spec's family is \"%s\""
            % (fam, defs.get(fam), spec["name"]))
    want_ver = str(spec.get("version", 1))
    if defs.get(ver, "").strip() != want_ver:
        err("%s is %s, the spec says %s" % (ver, defs.get(ver), want_ver))
    for d in spec.get("definitions", []):
        if d["type"] != "const":
            continue
        name = c_name("%s-%s" % (spec["name"], d["name"]))
        got = defs.get(name, "").split("/*")[0].strip()
        if got != str(d["value"]):
            err("%s is %s in the header, %s by the spec"
                % (name, got or "missing", d["value"]))
    for g in spec.get("mcast-groups", {}).get("list", []):
        name = c_name("%s-mcgrp-%s" % (spec["name"], g["name"]))
        if defs.get(name, "").strip() != '"%s"' % g["name"]:
            err("%s is %s, the spec's group is \"%s\""
                % (name, defs.get(name), g["name"]))


def check_tree(spec, hdr_text):
    sets, owner = spec_sets(spec)
    tree = header_tree(hdr_text)
    ops = spec["operations"]
    prefix = c_name(ops.get("name-prefix", spec["name"] + "-cmd-"))
    for op in ops["list"]:
        cmd = prefix + c_name(op["name"])
        if cmd not in tree:
            err("the header's comment draws no tree for %s" % cmd)
            continue
        t = tree.pop(cmd)
        kind = "dump" if "dump" in op else "event" if "event" in op else "do"
        if t["kind"] != kind:
            err("%s: the comment says %s, the spec %s" % (cmd, t["kind"], kind))
        admin = "admin-perm" in op.get("flags", [])
        if t["admin"] != admin:
            err("%s: admin permission is %s in the comment, %s in the spec"
                % (cmd, t["admin"], admin))
        aprefix = set_prefix(spec, op.get("attribute-set", spec["name"]))
        for sec in ("message",) if kind == "event" else ("request", "reply"):
            body = op[kind] if kind == "event" else op[kind].get(sec, {})
            want = [aprefix + c_name(a) for a in body.get("attributes", [])]
            got = [a for d, a, _ in t[sec] if d == 0]
            if sorted(got) != sorted(want):
                err("%s %s: the comment lists %s, the spec %s"
                    % (cmd, sec, got, want))
            parent = None
            for depth, a, typ in t[sec]:
                if a not in owner:
                    err("%s: %s in the comment is not in the spec" % (cmd, a))
                    continue
                spec_attr = sets[owner[a]][a]
                if typ != spec_attr.get("type"):
                    err("%s: %s is %s in the comment, %s in the spec"
                        % (cmd, a, typ, spec_attr.get("type")))
                if depth == 0:
                    parent = spec_attr
                elif parent is None or \
                        parent.get("nested-attributes") != owner[a]:
                    err("%s: %s drawn inside an attribute that does not "
                        "nest its set" % (cmd, a))
    for cmd in tree:
        err("the comment draws %s, which the spec does not have" % cmd)


NLA_TYPES = {"NLA_U8": "u8", "NLA_U16": "u16", "NLA_U32": "u32",
             "NLA_U64": "u64", "NLA_BINARY": "binary", "NLA_STRING": "string",
             "NLA_NUL_STRING": "string", "NLA_FLAG": "flag",
             "NLA_NESTED": "nest", "NLA_NESTED_ARRAY": "nest",
             "NLA_BE16": "u16", "NLA_BE32": "u32"}


def check_module(spec, moddir):
    sets, owner = spec_sets(spec)
    nl = os.path.join(moddir, "netlink.c")
    events = os.path.join(moddir, "events.c")
    stats_h = os.path.join(moddir, "stats.h")
    for f in (nl, events):
        if not os.path.exists(f):
            err("no %s" % f)
            return
    code = open(nl).read()
    events_code = open(events).read()
    for m in re.finditer(r"\[(SYNGUARD_A_\w+)\]\s*=\s*(.*?)(?=,\s*\n\s*(?:\[|\}))",
                         code, re.S):
        attr, pol = m.group(1), m.group(2)
        if attr not in owner:
            err("netlink.c: policy for %s, which the spec lacks" % attr)
            continue
        want = sets[owner[attr]][attr].get("type")
        if "NLA_POLICY_NESTED" in pol:
            got = "nest"
        else:
            t = re.search(r"\bNLA_[A-Z0-9_]+\b", pol.replace("NLA_POLICY_", ""))
            got = NLA_TYPES.get(t.group(0)) if t else None
        if got != want:
            err("netlink.c: policy gives %s type %s, the spec %s"
                % (attr, got, want))

    ops = spec["operations"]
    prefix = c_name(ops.get("name-prefix", spec["name"] + "-cmd-"))
    kops = {}
    for m in re.finditer(r"\{([^{}]*\.cmd\s*=\s*(SYNGUARD_CMD_\w+)[^{}]*)\}",
                         code):
        kops[m.group(2)] = m.group(1)
    for op in ops["list"]:
        cmd = prefix + c_name(op["name"])
        if "event" in op:
            # Sent by the kernel, never requested: no genl_ops entry.
            if kops.pop(cmd, None) is not None:
                err("netlink.c: event %s has a genl_ops entry" % cmd)
            if cmd not in events_code:
                err("events.c: never sends event %s" % cmd)
            continue
        body = kops.pop(cmd, None)
        if body is None:
            err("netlink.c: no genl_ops entry for %s" % cmd)
            continue
        if ("dump" in op) != (".dumpit" in body) or \
                ("do" in op) != (".doit" in body):
            err("netlink.c: %s is not a %s as in the spec"
                % (cmd, "/".join(k for k in ("do", "dump") if k in op)))
        admin = "admin-perm" in op.get("flags", [])
        if admin != ("ADMIN_PERM" in body):
            err("netlink.c: %s admin permission %s, the spec %s"
                % (cmd, not admin, admin))
        req = op.get("do", op.get("dump", {})).get("request")
        if bool(req) != (".policy" in body):
            err("netlink.c: %s %s a policy, the spec %s request attributes"
                % (cmd, "has" if ".policy" in body else "lacks",
                   "lists" if req else "has no"))
    for cmd in kops:
        err("netlink.c: op %s is not in the spec" % cmd)
    for g in spec.get("mcast-groups", {}).get("list", []):
        name = c_name("%s-mcgrp-%s" % (spec["name"], g["name"]))
        if not re.search(r"\.name\s*=\s*%s\b" % name, code):
            err("netlink.c: registers no multicast group %s" % name)

    if os.path.exists(stats_h):
        counters = re.findall(r"X\(\w+,\s*(\w+)\)", open(stats_h).read())
        sset = [s for s in spec["attribute-sets"] if s["name"] == "stats"]
        if sset:
            names = [a["name"].replace("-", "_") for a in sset[0]["attributes"]
                     if a["type"] != "pad"]
            # The gauge keeps the number it had after the first
            # counters; counters added since follow it.
            gauge = "halfopen_current"
            if [n for n in names if n != gauge] != counters:
                err("stats attributes %s do not follow module/stats.h %s"
                    % (names, counters))
            first = counters.index("gateway_learned") + 1 \
                if "gateway_learned" in counters else len(counters)
            if gauge not in names or names.index(gauge) != first:
                err("stats attribute %s is not right after gateway_learned "
                    "in %s" % (gauge, names))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=os.path.join(
        ROOT, "Documentation/netlink/specs/synguard.yaml"))
    ap.add_argument("--header", default=os.path.join(
        ROOT, "include/uapi/linux/synguard.h"))
    ap.add_argument("--module", default=os.path.join(ROOT, "module"))
    args = ap.parse_args()

    spec = yaml.safe_load(open(args.spec))
    hdr = open(args.header).read()
    check_defines(spec, hdr)
    check_enums(spec, hdr)
    check_tree(spec, hdr)
    if args.module != "-":
        check_module(spec, args.module)
    if errors:
        print("%d disagreement(s) between %s, %s and %s"
              % (len(errors), args.spec, args.header, args.module))
        return 1
    print("PASS: header, spec and module agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
