"""Load and check the VeridianOS spec (spec/*.yaml) into a model for the templates.

Every mapping read from YAML remembers the file and line it came from, so
any mistake in the spec is reported as `file:line: message` and stops the
build.  The checks here are the contract the templates rely on: after
load_spec() returns, every name resolves, every number is unique and every
capability argument says what object and rights it needs.
"""
import os
import re

import yaml


class SpecError(Exception):
    def __init__(self, where, message):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


class Map(dict):
    """A YAML mapping that knows where it was written."""
    file = "?"
    line = 0
    key_lines = None

    def at(self, key=None):
        line = self.line
        if key is not None and self.key_lines and key in self.key_lines:
            line = self.key_lines[key]
        return f"{self.file}:{line}"


class Seq(list):
    file = "?"
    line = 0
    item_lines = ()

    def at(self, index=None):
        if index is not None and index < len(self.item_lines):
            return f"{self.file}:{self.item_lines[index]}"
        return f"{self.file}:{self.line}"


def mappings(seq):
    """The entries of a YAML list, each of which must be a mapping."""
    for i, item in enumerate(seq):
        if not isinstance(item, Map):
            where = seq.at(i) if isinstance(seq, Seq) else "?"
            raise SpecError(where, f"expected a mapping (name: ...), not {item!r}")
        yield item


def _loader_for(path):
    class Loader(yaml.SafeLoader):
        pass

    def construct_map(loader, node):
        loader.flatten_mapping(node)
        m = Map()
        m.file, m.line, m.key_lines = path, node.start_mark.line + 1, {}
        for knode, vnode in node.value:
            key = loader.construct_object(knode, deep=True)
            if key in m:
                raise SpecError(f"{path}:{knode.start_mark.line + 1}", f"duplicate key '{key}'")
            m[key] = loader.construct_object(vnode, deep=True)
            m.key_lines[key] = knode.start_mark.line + 1
        return m

    def construct_seq(loader, node):
        s = Seq(loader.construct_object(n, deep=True) for n in node.value)
        s.file, s.line = path, node.start_mark.line + 1
        s.item_lines = [n.start_mark.line + 1 for n in node.value]
        return s

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_map)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_seq)
    return Loader


def load_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=_loader_for(os.path.relpath(path)))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{os.path.relpath(path)}:{mark.line + 1}" if mark else os.path.relpath(path)
        raise SpecError(where, f"YAML syntax: {e.problem or e.context}")
    except OSError as e:
        raise SpecError(path, f"cannot read: {e.strerror}")
    if not isinstance(doc, Map):
        raise SpecError(f"{os.path.relpath(path)}:1", "expected a mapping at the top level")
    return doc


def need(m, key, kind, where=None):
    """m[key], which must exist and be of the given Python kind."""
    if not isinstance(m, Map):
        raise SpecError(where or "?", f"expected a mapping with '{key}', not {m!r}")
    if key not in m:
        raise SpecError(m.at(), f"missing field '{key}'")
    v = m[key]
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise SpecError(m.at(key), f"field '{key}' must be {names}, not {type(v).__name__}")
    return v


def snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def upper(name):
    return snake(name).upper()


IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def ident(m, key):
    v = need(m, key, str)
    if not IDENT.match(v):
        raise SpecError(m.at(key), f"'{v}' is not a valid identifier")
    return v


# ---------------------------------------------------------------- model ---

class Model:
    """What the templates see."""


def load_spec(spec_dir):
    abi = load_yaml(os.path.join(spec_dir, "abi.yaml"))
    arch = load_yaml(os.path.join(spec_dir, "arch.yaml"))
    calls = load_yaml(os.path.join(spec_dir, "syscalls.yaml"))
    m = Model()
    m.abi_version = need(abi, "abi_version", int)
    m.return_doc = need(need(abi, "return_convention", Map), "doc", str)
    m.overflow_doc = need(need(abi, "overflow_rule", Map), "doc", str)
    _load_errors(m, abi)
    _load_types(m, abi)
    _load_flags_enums(m, abi)
    _load_constants(m, abi)
    _load_cap_token(m, abi)
    _load_structs(m, abi)
    _load_arches(m, arch)
    _load_syscalls(m, calls)
    for name, d in m.arches.items():  # last: the register rules' own errors come first
        _entry_contract(d.pop("_node"), d, name)
    return m


def _load_errors(m, abi):
    errs = need(abi, "errors", list)
    m.errors, seen_v, seen_n = [], {}, {}
    for e in mappings(errs):
        name, value = ident(e, "name"), need(e, "value", int)
        if name in seen_n:
            raise SpecError(e.at("name"), f"error '{name}' defined twice (first at {seen_n[name]})")
        if value in seen_v:
            raise SpecError(e.at("value"), f"error value {value} already used by '{seen_v[value][0]}' at {seen_v[value][1]}")
        seen_n[name], seen_v[value] = e.at(), (name, e.at())
        c = "VOS_OK" if value == 0 else "VOS_ERR_" + upper(name)
        m.errors.append(dict(name=name, value=value, doc=e.get("doc", ""), c=c))
    if 0 not in seen_v:
        raise SpecError(errs.at(), "the error list must define Success = 0")
    m.error_by_name = {e["name"]: e for e in m.errors}


def _load_types(m, abi):
    m.types = {}
    for t in mappings(need(abi, "types", list)):
        name = ident(t, "name")
        if name in m.types:
            raise SpecError(t.at("name"), f"type '{name}' defined twice")
        size = need(t, "size", int)
        if size not in (1, 2, 4, 8):
            raise SpecError(t.at("size"), f"type '{name}' has unsupported size {size}")
        m.types[name] = dict(name=name, kind="capability" if t.get("capability") else "scalar",
                             c=need(t, "c", str), size=size, doc=t.get("doc", ""),
                             signed=need(t, "c", str).startswith("int"))
    # One typedef per distinct vos_* C type, documented by the spec types using it.
    m.typedefs = {}
    for t in m.types.values():
        if t["c"].startswith("vos_"):
            m.typedefs.setdefault(t["c"], []).append(t["name"])


def _load_flags_enums(m, abi):
    m.flags, m.enums = [], []
    for f in mappings(need(abi, "flags", list)):
        name, prefix = ident(f, "name"), ident(f, "prefix")
        _new_type(m, f, name)
        bits, seen = [], {}
        for b in mappings(need(f, "bits", list)):
            bn, bit = ident(b, "name"), need(b, "bit", int)
            if bit in seen:
                raise SpecError(b.at("bit"), f"{name}: bit {bit} used by both '{seen[bit]}' and '{bn}'")
            if not 0 <= bit < 63:
                raise SpecError(b.at("bit"), f"{name}: bit {bit} out of range")
            seen[bit] = bn
            bits.append(dict(name=bn, bit=bit, c=f"VOS_{prefix}_{bn}", doc=b.get("doc", "")))
        consts = [dict(name=ident(c, "name"), value=need(c, "value", int), c=f"VOS_{prefix}_{c['name']}",
                       doc=c.get("doc", "")) for c in mappings(f.get("constants", []))]
        mask = sum(1 << b["bit"] for b in bits)
        cb = need(f, "c_base", str)
        flag = dict(name=name, prefix=prefix, c_base=cb, bits=bits, constants=consts, mask=mask,
                    c_mask=f"VOS_{prefix}_MASK", bit_by_name={b["name"]: b for b in bits})
        m.flags.append(flag)
        m.types[name] = dict(name=name, kind="flags", c=cb, size=4 if cb == "uint32_t" else 8,
                             flags=flag, signed=False, doc="")
    for e in mappings(need(abi, "enums", list)):
        name, prefix = ident(e, "name"), ident(e, "prefix")
        _new_type(m, e, name)
        vals, seen = [], {}
        for v in mappings(need(e, "values", list)):
            vn, val = ident(v, "name"), need(v, "value", int)
            if val in seen:
                raise SpecError(v.at("value"), f"{name}: value {val} used by both '{seen[val]}' and '{vn}'")
            seen[val] = vn
            vals.append(dict(name=vn, value=val, c=f"VOS_{prefix}_{vn}", doc=v.get("doc", "")))
        enum = dict(name=name, prefix=prefix, c_base=need(e, "c_base", str), values=vals,
                    value_by_name={v["name"]: v for v in vals}, c_count=f"VOS_{prefix}_COUNT",
                    count=max(seen) + 1)
        m.enums.append(enum)
        m.types[name] = dict(name=name, kind="enum", c=enum["c_base"], size=8, enum=enum, signed=False, doc="")
    m.object_types = next((e for e in m.enums if e["name"] == "ObjectType"), None)
    if m.object_types is None:
        raise SpecError(abi.at(), "enums must define ObjectType (capability arguments name its values)")
    m.rights = next((f for f in m.flags if f["name"] == "Rights"), None)
    if m.rights is None:
        raise SpecError(abi.at(), "flags must define Rights (capability arguments name its bits)")


def _new_type(m, node, name):
    if name in m.types:
        raise SpecError(node.at("name"), f"type '{name}' defined twice")


def _load_constants(m, abi):
    m.constants, m.const_by_name = [], {}
    for c in mappings(need(abi, "constants", list)):
        name = ident(c, "name")
        if name in m.const_by_name:
            raise SpecError(c.at("name"), f"constant '{name}' defined twice")
        d = dict(name=name, value=need(c, "value", int), c="VOS_" + name, doc=c.get("doc", ""))
        m.constants.append(d)
        m.const_by_name[name] = d


def _load_cap_token(m, abi):
    t = need(abi, "capability_token", Map)
    m.cap_token = dict(null=need(t, "null_token", int), reserved_mask=need(t, "reserved_mask", int), fields=[])
    used = m.cap_token["reserved_mask"] | (1 << 63)
    for f in mappings(need(t, "fields", list)):
        shift, bits = need(f, "shift", int), need(f, "bits", int)
        mask = ((1 << bits) - 1) << shift
        if mask & used:
            raise SpecError(f.at(), f"capability token field '{f.get('name')}' overlaps another field, the reserved bits or bit 63")
        used |= mask
        m.cap_token["fields"].append(dict(name=ident(f, "name"), shift=shift, bits=bits, mask=(1 << bits) - 1, doc=f.get("doc", ""),
                                          c=f"VOS_CAP_{ident(f, 'name').upper()}"))


def word_codec(t):
    """How a value of type t travels in a result word: (encode, decode) C formats, "{}" the value.

    The one rule (docs/abi.md, "Return values"): a value narrower than a word
    is carried zero-extended, so a signed one (i32) never sets bit 63 and a
    result can never read as an error; the user stub narrows it back.
    """
    if t["size"] == 8:
        return "(uint64_t)({})", f"({t['c']})({{}})"
    bits = t["size"] * 8
    return f"(uint64_t)(uint{bits}_t)({{}})", f"({t['c']})(uint{bits}_t)({{}})"


def _load_structs(m, abi):
    m.structs, m.struct_by_name = [], {}
    for s in mappings(need(abi, "structs", list)):
        name = ident(s, "name")
        _new_type(m, s, name)
        off, align, fields = 0, 1, []
        for f in mappings(need(s, "fields", list)):
            fn, ft = ident(f, "name"), need(f, "type", str)
            if ft not in m.types or m.types[ft]["kind"] == "struct":
                raise SpecError(f.at("type"), f"struct {name}: field '{fn}' has unknown type '{ft}'")
            t = m.types[ft]
            off = (off + t["size"] - 1) // t["size"] * t["size"]
            fields.append(dict(name=fn, type=ft, c=t["c"], offset=off, size=t["size"], doc=f.get("doc", "")))
            off += t["size"]
            align = max(align, t["size"])
        size = (off + align - 1) // align * align
        for f in fields:
            f["enc"], f["dec"] = word_codec(m.types[f["type"]])
        st = dict(name=name, c=f"struct vos_{snake(name)}", fields=fields, size=size, align=align,
                  doc=s.get("doc", ""), words=all(f["size"] == 8 for f in fields))
        m.structs.append(st)
        m.struct_by_name[name] = st
        m.types[name] = dict(name=name, kind="struct", c=st["c"], size=size, struct=st, signed=False, doc="")


def _entry_contract(a, d, name):
    """The register sets the entry assembly uses (spec/arch.yaml frame, stack, callee_saved), or none."""
    d["frame"] = list(a.get("frame", []))
    if not d["frame"]:
        return
    d["stack"] = a.get("stack")  # none where the user stack pointer is not a general register (aarch64: SP_EL0)
    d["callee_saved"] = list(need(a, "callee_saved", list))
    named = set(d["args"] + d["returns"] + d["clobbers"] + d["message"] + d["message_clobbers"] + d["callee_saved"])
    named |= {d["number"]} | ({d["stack"]} if d["stack"] else set())
    if len(set(d["frame"])) != len(d["frame"]) or not named <= set(d["frame"]):
        raise SpecError(a.at("frame"), f"{name}: frame must name each register once, every register of the rule among them")
    if set(d["callee_saved"]) & set(d["clobbers"] + d["message_clobbers"]):
        raise SpecError(a.at("callee_saved"), f"{name}: callee_saved must hold no clobbered register")
    if name != "x86_64" and not set(d["message"]) <= set(d["callee_saved"]):
        # only arch/x86_64/trap.S carries message words through the sender's frame
        raise SpecError(a.at("callee_saved"), f"{name}: callee_saved must hold the message registers (the entry carries them in the CPU)")
    # A message syscall saves only what the C keeps and the message registers C
    # does not keep (x86_64's rdi, r8, r9: in the frame from the entry):
    # every other register must be one it may destroy.
    roles = set(d["callee_saved"] + d["message"] + d["message_clobbers"] + d["clobbers"] + d["returns"] + [d["stack"]])
    lost = [r for r in d["frame"] if r not in roles]
    if lost:
        raise SpecError(a.at("callee_saved"), f"{name}: {', '.join(lost)}: neither kept by the kernel's C (callee_saved) "
                        "nor a message register nor destroyed by the message syscalls (message_clobbers, clobbers, returns)")
    kept = [r for r in d["frame"] if r in d["callee_saved"] and r != d["stack"]]
    d["entry"] = dict(
        offsets=[(r, 8 * i) for i, r in enumerate(d["frame"])],
        kept=kept,
        message_kept=[r for r in kept if r not in d["message"]],
        # the message registers C keeps, carried from thread to thread in the CPU ...
        message=[r for r in d["frame"] if r in d["message"] and r in d["callee_saved"]],
        # ... and those it does not, carried through the sender's frame (x86_64 only)
        message_in_frame=[r for r in d["frame"] if r in d["message"] and r not in d["callee_saved"]],
        # what the short path saves: the arguments, and what is neither kept in the CPU, nor the stack, nor clobbered
        saved=[r for r in d["frame"] if r in d["args"] or r not in d["callee_saved"] + d["clobbers"] + [d["stack"]]],
        clobbers=[r for r in d["frame"] if r in d["clobbers"]],
        message_clobbers=[r for r in d["frame"] if r in d["message_clobbers"]],
    )


def _load_arches(m, arch):
    m.arches = {}
    archs = need(arch, "architectures", Map)
    for name in ("riscv64", "aarch64", "x86_64"):
        if name not in archs:
            raise SpecError(archs.at(), f"architecture '{name}' has no register rule")
    for name, a in archs.items():
        if not isinstance(a, Map):
            raise SpecError(archs.at(name), f"architecture '{name}' must be a mapping")
        d = dict(name=name, trap=need(a, "trap", str), number=need(a, "number", str),
                 args=list(need(a, "args", list)), returns=list(need(a, "returns", list)),
                 clobbers=list(need(a, "clobbers", list)), message=list(a.get("message", [])))
        d["message_args"] = list(a.get("message_args", d["args"]))
        d["message_clobbers"] = list(a.get("message_clobbers", []))
        d["fp"] = list(a.get("fp", []))
        d["fp_control"] = list(a.get("fp_control", []))
        d["fp_clobbers"] = list(a.get("fp_clobbers", []))
        fp_all = d["fp"] + d["fp_control"]
        if len(set(fp_all)) != len(fp_all) or set(fp_all) & set(d["args"] + d["returns"] + d["clobbers"] + d["message"] + [d["number"]]):
            raise SpecError(a.at("fp") if "fp" in a else a.at(), f"{name}: the FP registers must be distinct and not general registers")
        if not set(d["fp_clobbers"]) <= set(fp_all):
            raise SpecError(a.at("fp_clobbers"), f"{name}: fp_clobbers may name only registers of fp and fp_control")
        d["fp_kept"] = [r for r in fp_all if r not in d["fp_clobbers"]]
        d["vector"] = list(a.get("vector", []))
        d["vector_control"] = list(a.get("vector_control", []))
        d["vector_clobbers"] = list(a.get("vector_clobbers", []))
        v_all = d["vector"] + d["vector_control"]
        if len(set(v_all)) != len(v_all) or set(v_all) & set(fp_all + d["args"] + d["returns"] + d["clobbers"] + d["message"] + [d["number"]]):
            raise SpecError(a.at("vector") if "vector" in a else a.at(), f"{name}: the vector registers must be distinct and neither FP nor general registers")
        if not set(d["vector_clobbers"]) <= set(v_all):
            raise SpecError(a.at("vector_clobbers"), f"{name}: vector_clobbers may name only registers of vector and vector_control")
        d["vector_kept"] = [r for r in v_all if r not in d["vector_clobbers"]]
        d["_node"] = a
        if set(d["message_clobbers"]) & set(d["message"]):
            raise SpecError(a.at("message_clobbers"), f"{name}: a message register cannot also be destroyed by the message syscalls")
        if len(set(d["message"])) != len(d["message"]) or d["number"] in d["message"]:
            raise SpecError(a.at("message"), f"{name}: the message registers must be distinct and exclude the number register")
        if len(d["args"]) < 2:
            raise SpecError(a.at("args"), f"{name}: at least two argument registers are needed")
        if not d["returns"]:
            raise SpecError(a.at("returns"), f"{name}: at least one return register is needed")
        regs = [d["number"]] + d["args"]
        if len(set(regs)) != len(regs):
            raise SpecError(a.at("args"), f"{name}: a register is used twice among number and arguments")
        if d["number"] in d["returns"][1:]:
            raise SpecError(a.at("returns"), f"{name}: the number register cannot be a later return register")
        m.arches[name] = d


def _const_or_int(m, node, key):
    v = node[key]
    if isinstance(v, int) and not isinstance(v, bool):
        return v, str(v)
    if isinstance(v, str) and v in m.const_by_name:
        return m.const_by_name[v]["value"], m.const_by_name[v]["c"]
    raise SpecError(node.at(key), f"'{key}' must be a number or a constant from abi.yaml, not '{v}'")


POINTER = re.compile(r"^\*(const|mut)\s+(.+)$")


def _load_syscalls(m, calls):
    m.syscalls, by_num, by_name = [], {}, {}
    groups = need(calls, "groups", list)
    for s in mappings(need(calls, "syscalls", list)):
        name, num = ident(s, "name"), need(s, "number", int)
        if num in by_num:
            raise SpecError(s.at("number"), f"syscall number {num} of '{name}' is already used by '{by_num[num][0]}' at {by_num[num][1]}")
        if name in by_name:
            raise SpecError(s.at("name"), f"syscall '{name}' defined twice (first at {by_name[name]})")
        if not 0 < num < 1024:
            raise SpecError(s.at("number"), f"syscall number {num} out of range 1..1023")
        by_num[num], by_name[name] = (name, s.at()), s.at()
        args = need(s, "args", list)
        arg_names = [ident(a, "name") for a in mappings(args)]
        if len(set(arg_names)) != len(arg_names):
            raise SpecError(args.at(), f"{name}: two arguments share a name")
        sc = dict(name=name, number=num, c=f"VOS_SYS_{name.upper()}", upper=f"SYS_{name.upper()}",
                  group=need(s, "group", str), doc=need(s, "doc", str), blocking=bool(s.get("blocking", False)),
                  timeout=s.get("timeout"), authority=s.get("authority"), at=s.at(),
                  extension=bool(s.get("extension", False)))
        if sc["group"] not in groups:
            raise SpecError(s.at("group"), f"{name}: group '{sc['group']}' is not in the 'groups' list")
        sc["args"] = [_load_arg(m, sc, a, i, arg_names, args) for i, a in enumerate(args)]
        sc["reg_args"] = [a for a in sc["args"] if a["kind"] != "message"]
        sc["message"] = next((a for a in sc["args"] if a["kind"] == "message"), None)
        _load_returns(m, sc, s)
        _check_message_registers(m, sc, s)
        _load_errors_of(m, sc, s)
        _load_on_error(m, sc, s)
        if sc["timeout"] is not None and sc["timeout"] not in arg_names:
            raise SpecError(s.at("timeout"), f"{name}: timeout names '{sc['timeout']}', which is not an argument")
        if not sc["authority"] and not any(a["kind"] == "capability" for a in sc["args"]):
            raise SpecError(s.at(), f"{name}: no capability argument, so 'authority' must say what authorises the call")
        m.syscalls.append(sc)
    m.syscalls.sort(key=lambda c: c["number"])
    _load_message_range(m, calls)
    m.table_size = max(c["number"] for c in m.syscalls) + 1
    m.groups = [g for g in groups if any(c["group"] == g for c in m.syscalls)]


def _load_arg(m, sc, a, index, arg_names, a_all):
    name, ty = a["name"], need(a, "type", str)
    arg = dict(name=name, type=ty, index=index, doc=a.get("doc", ""), at=a.at())
    pm = POINTER.match(ty)
    if "registers" in a:
        return _load_message_arg(m, sc, a, arg, pm, arg_names)
    if pm:
        target = pm.group(2).strip()
        arg.update(kind="pointer", direction="in" if pm.group(1) == "const" else "out")
        if target == "u8" or target.startswith("*") or (target in m.types and m.types[target]["kind"] in ("capability", "scalar")):
            elem = 1 if target == "u8" else 8
            if target.startswith("*") and not POINTER.match(target):
                raise SpecError(a.at("type"), f"{sc['name']}.{name}: bad pointer type '{ty}'")
            if "length" not in a:
                raise SpecError(a.at(), f"{sc['name']}.{name}: a buffer or array needs 'length' (the argument giving its size)")
            if a["length"] not in arg_names:
                raise SpecError(a.at("length"), f"{sc['name']}.{name}: length '{a['length']}' is not an argument")
            if "max" not in a:
                raise SpecError(a.at(), f"{sc['name']}.{name}: a buffer or array needs 'max'")
            mx, mxc = _const_or_int(m, a, "max")
            arg.update(elem_size=elem, align=elem, length=a["length"], length_index=arg_names.index(a["length"]),
                       max=mx, c_max=mxc, record=None)
        elif target in m.struct_by_name:
            st = m.struct_by_name[target]
            arg.update(elem_size=st["size"], align=st["align"], length=None, max=1, c_max="1", record=st)
        else:
            raise SpecError(a.at("type"), f"{sc['name']}.{name}: unknown type '{target}' behind the pointer")
        const = "const " if arg["direction"] == "in" else ""
        if arg["record"]:
            pointee = arg["record"]["c"]
        elif target == "u8":
            pointee = "void"
        elif target.startswith("*"):
            pointee = "char *const" if POINTER.match(target).group(1) == "const" else "char *"
        else:
            pointee = m.types[target]["c"]
        arg["c_user"] = f"{const}{pointee} *"
        arg["c_kernel"] = "user_in_t" if arg["direction"] == "in" else "user_out_t"
        return arg
    if ty not in m.types:
        raise SpecError(a.at("type"), f"{sc['name']}.{name}: unknown type '{ty}'")
    t = m.types[ty]
    if t["kind"] == "struct":
        raise SpecError(a.at("type"), f"{sc['name']}.{name}: structs are passed by pointer ('*const {ty}')")
    arg.update(kind=t["kind"], c_user=t["c"], c_kernel=t["c"], size=t["size"], signed=t["signed"])
    if t["kind"] == "flags":
        arg["flags"] = t["flags"]
    elif t["kind"] == "enum":
        arg["enum"] = t["enum"]
    elif t["kind"] == "capability":
        _load_cap_arg(m, sc, a, arg, arg_names, a_all)
    return arg


def _load_message_arg(m, sc, a, arg, pm, arg_names):
    """A struct of words carried in the arch's message registers, into the kernel and back."""
    where = f"{sc['name']}.{arg['name']}"
    if a["registers"] != "message":
        raise SpecError(a.at("registers"), f"{where}: 'registers' must be 'message' (the arch's message registers)")
    st = m.struct_by_name.get(pm.group(2).strip()) if pm and pm.group(1) == "mut" else None
    if not st or not st["words"]:
        raise SpecError(a.at("type"), f"{where}: message registers carry a '*mut' struct of 64-bit fields")
    if "length" not in a or a["length"] not in arg_names or "max" not in a:
        raise SpecError(a.at(), f"{where}: a message needs 'length' (the argument giving its bytes) and 'max'")
    mx, mxc = _const_or_int(m, a, "max")
    if mx > 8 * len(st["fields"]):
        raise SpecError(a.at("max"), f"{where}: max {mx} is more than the {8 * len(st['fields'])} bytes of {st['name']}")
    if any(x["kind"] == "message" for x in sc.get("args", [])):
        raise SpecError(a.at(), f"{where}: a syscall has at most one message")
    arg.update(kind="message", record=st, words=len(st["fields"]), length=a["length"],
               length_index=arg_names.index(a["length"]), max=mx, c_max=mxc,
               c_user=f"{st['c']} *", c_kernel=None)
    return arg


def _check_message_registers(m, sc, s):
    """Each arch carries the message in registers no other word of the call uses."""
    msg = sc["message"]
    if not msg:
        return
    for a in m.arches.values():
        regs = a["message"]
        if len(regs) != msg["words"]:
            raise SpecError(s.at(), f"{sc['name']}: {a['name']} has {len(regs)} message registers, {msg['record']['name']} needs {msg['words']}")
        if len(sc["reg_args"]) > len(a["message_args"]):
            raise SpecError(s.at(), f"{sc['name']}: a call with a message cannot spill arguments")
        used = {a["number"]} | set(a["message_args"][:len(sc["reg_args"])]) | set(a["returns"][:max(sc["ret_words"], 1)]) | set(a["clobbers"])
        clash = sorted(used & set(regs))
        if clash:
            raise SpecError(s.at(), f"{sc['name']}: on {a['name']} the message registers {', '.join(clash)} also carry arguments, results or clobbers")


def _load_message_range(m, calls):
    """The syscalls with a message: consecutive numbers, so a trap entry tests the range in two instructions."""
    nums = [c["number"] for c in m.syscalls if c["message"]]
    m.message_first, m.message_count = (min(nums), len(nums)) if nums else (0, 0)
    m.message_results = max((c["ret_words"] for c in m.syscalls if c["message"]), default=0)
    if nums and max(nums) - min(nums) + 1 != len(nums):
        raise SpecError(calls.at("syscalls"), f"the syscalls with a message must have consecutive numbers, not {nums}")


def _load_cap_arg(m, sc, a, arg, arg_names, a_all):
    where = f"{sc['name']}.{arg['name']}"
    if "object" not in a:
        raise SpecError(a.at(), f"{where}: a capability argument needs 'object' (ObjectType names or 'any')")
    if "rights" not in a:
        raise SpecError(a.at(), f"{where}: a capability argument needs 'rights' (Rights names; [] if holding it suffices)")
    obj = a["object"]
    if obj == "any":
        objects = None
    else:
        if not isinstance(obj, list) or not obj:
            raise SpecError(a.at("object"), f"{where}: 'object' must be 'any' or a non-empty list")
        for o in obj:
            if o not in m.object_types["value_by_name"] or o == "NONE":
                raise SpecError(a.at("object"), f"{where}: unknown object type '{o}'")
        objects = [m.object_types["value_by_name"][o] for o in obj]
    rights = a["rights"]
    if not isinstance(rights, list):
        raise SpecError(a.at("rights"), f"{where}: 'rights' must be a list")
    for r in rights:
        if r not in m.rights["bit_by_name"]:
            raise SpecError(a.at("rights"), f"{where}: unknown right '{r}'")
    rf = None
    if "rights_from" in a:
        r = a["rights_from"]
        src = need(r, "arg", str, a.at("rights_from"))
        if src not in arg_names or arg_names.index(src) == arg["index"]:
            raise SpecError(r.at("arg"), f"{where}: rights_from names '{src}', which is not another argument")
        rf = dict(arg=src, index=arg_names.index(src), map=[])
        src_type = m.types.get(next(x for x in a_all if x["name"] == src)["type"])
        if not src_type or src_type["kind"] != "flags":
            raise SpecError(r.at("arg"), f"{where}: rights_from argument '{src}' must have a flags type")
        for flag, right in need(r, "map", Map).items():
            if right not in m.rights["bit_by_name"]:
                raise SpecError(r.at("map"), f"{where}: unknown right '{right}'")
            if flag not in src_type["flags"]["bit_by_name"]:
                raise SpecError(r.at("map"), f"{where}: '{flag}' is not a bit of {src_type['name']}")
            rf["map"].append((src_type["flags"]["bit_by_name"][flag]["c"], m.rights["bit_by_name"][right]["c"]))
    match = a.get("matches")
    if match is not None and match not in arg_names:
        raise SpecError(a.at("matches"), f"{where}: 'matches' names '{match}', which is not an argument")
    arg.update(objects=objects, rights=[m.rights["bit_by_name"][r] for r in rights], rights_from=rf,
               optional=bool(a.get("optional", False)), matches=match,
               matches_index=arg_names.index(match) if match else None)


def _load_returns(m, sc, s):
    r = s.get("returns")
    if r is None:
        raise SpecError(s.at(), f"{sc['name']}: missing field 'returns'")
    sc["returns"] = r
    sc["noreturn"] = r == "never"
    sc["ret_out"] = False
    if r in ("none", "never"):
        sc["ret_kind"], sc["ret_words"], sc["ret_c"] = r, 0 if r == "never" else 1, None
    elif r in m.struct_by_name:
        st = m.struct_by_name[r]
        sc["ret_kind"], sc["ret_words"], sc["ret_c"], sc["ret_struct"] = "struct", len(st["fields"]), st["c"], st
    elif r in m.types and m.types[r]["kind"] in ("scalar", "capability"):
        t = m.types[r]
        sc["ret_kind"], sc["ret_words"], sc["ret_c"] = "scalar", 1, t["c"]
        sc["ret_enc"], sc["ret_dec"] = word_codec(t)
        # A signed result narrower than a word comes back through *result (the stub narrows it):
        # a stub returning it in its int64_t would make -3 look like the error NotFound again.
        sc["ret_out"] = t["signed"] and t["size"] < 8
    else:
        raise SpecError(s.at("returns"), f"{sc['name']}: unknown return type '{r}'")
    for a in m.arches.values():
        if sc["ret_words"] > len(a["returns"]):
            raise SpecError(s.at("returns"), f"{sc['name']}: returns {sc['ret_words']} words but {a['name']} has {len(a['returns'])} return registers")


def _load_on_error(m, sc, s):
    """Result fields that still come back with a given error (word 0 holds the error)."""
    sc["on_error"] = []
    oe = s.get("on_error")
    if oe is None:
        return
    if not isinstance(oe, Map) or sc["ret_kind"] != "struct":
        raise SpecError(s.at("on_error"), f"{sc['name']}: 'on_error' needs a struct result and maps errors to field lists")
    fields = {f["name"]: i for i, f in enumerate(sc["ret_struct"]["fields"])}
    for err, names in oe.items():
        if err not in [e["name"] for e in sc["errors"]]:
            raise SpecError(oe.at(err), f"{sc['name']}: on_error names '{err}', which 'errors' does not list")
        if not isinstance(names, list) or not names:
            raise SpecError(oe.at(err), f"{sc['name']}: on_error '{err}' must list result fields")
        words = []
        for n in names:
            if n not in fields or fields[n] == 0:
                raise SpecError(oe.at(err), f"{sc['name']}: on_error field '{n}' is not a result field after word 0")
            words.append((n, fields[n]))
        sc["on_error"].append(dict(error=m.error_by_name[err], fields=words))


def _load_errors_of(m, sc, s):
    errs = need(s, "errors", list)
    for i, e in enumerate(errs):
        if e not in m.error_by_name:
            raise SpecError(errs.at(i), f"{sc['name']}: unknown error '{e}'")
        if m.error_by_name[e]["value"] == 0:
            raise SpecError(errs.at(i), f"{sc['name']}: '{e}' is not an error")
    sc["errors"] = [m.error_by_name[e] for e in errs]
    # The errors the generated validation itself can return must be declared.
    implied = set()
    for a in sc["args"]:
        if a["kind"] == "message":
            implied.add("InvalidParameter")
        elif a["kind"] == "capability":
            implied |= {"InvalidCapability", "PermissionDenied"}
        elif a["kind"] == "pointer":
            implied.add("InvalidAddress")
            if a["length"]:
                implied.add("InvalidParameter")
        elif a["kind"] in ("flags", "enum") or (a["kind"] == "scalar" and a["size"] < 8):
            implied.add("InvalidParameter")
    missing = sorted(implied - set(errs))
    if missing:
        raise SpecError(s.at("errors"), f"{sc['name']}: its arguments can fail with {', '.join(missing)}, which 'errors' does not list")
