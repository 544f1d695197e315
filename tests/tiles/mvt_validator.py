"""A Mapbox Vector Tile 2.1 validator with its own protobuf decoder, so it can
tell a wire-level error (fatal) from a spec violation a decoder can recover
from. `validate(buf)` returns ("valid", []) or (verdict, messages) with
verdict "fatal" or "recoverable" — the vocabulary of mvt-fixtures' info.json.
`strict=True` adds what gapmap's own tiles must also satisfy (coordinates
within the buffer, polygon winding, no repeated points, string `id`)."""

import struct

FATAL, RECOVERABLE = "fatal", "recoverable"


class Fatal(Exception):
    pass


def _varint(b, pos):
    v = shift = 0
    while True:
        if pos >= len(b):
            raise Fatal("truncated varint")
        c = b[pos]
        pos += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, pos
        shift += 7
        if shift > 63:
            raise Fatal("varint too long")


def fields(b):
    """(field, wire type, value) triples of one message; value is an int,
    bytes or a fixed-width bytes object."""
    pos, out = 0, []
    while pos < len(b):
        key, pos = _varint(b, pos)
        f, w = key >> 3, key & 7
        if f == 0:
            raise Fatal("field number 0")
        if w == 0:
            v, pos = _varint(b, pos)
        elif w == 1:
            if pos + 8 > len(b):
                raise Fatal("truncated fixed64")
            v, pos = b[pos:pos + 8], pos + 8
        elif w == 2:
            n, pos = _varint(b, pos)
            if pos + n > len(b):
                raise Fatal("truncated length-delimited field")
            v, pos = b[pos:pos + n], pos + n
        elif w == 5:
            if pos + 4 > len(b):
                raise Fatal("truncated fixed32")
            v, pos = b[pos:pos + 4], pos + 4
        else:
            raise Fatal(f"unknown wire type {w}")
        out.append((f, w, v))
    return out


def packed(b):
    pos, out = 0, []
    while pos < len(b):
        v, pos = _varint(b, pos)
        out.append(v)
    return out


def unzig(u):
    return (u >> 1) ^ -(u & 1)


def _expect(w, want, what):
    if w != want:
        raise Fatal(f"{what} has wire type {w}, not {want}")


def decode_value(b):
    vals = []
    for f, w, v in fields(b):
        if f == 1:
            _expect(w, 2, "string_value")
            try:
                vals.append(v.decode("utf-8"))
            except UnicodeDecodeError:
                raise Fatal("string_value is not UTF-8")
        elif f == 2:
            _expect(w, 5, "float_value")
            vals.append(struct.unpack("<f", v)[0])
        elif f == 3:
            _expect(w, 1, "double_value")
            vals.append(struct.unpack("<d", v)[0])
        elif f in (4, 5):
            _expect(w, 0, "int/uint value")
            vals.append(v if f == 5 else (v - (1 << 64) if v >= 1 << 63 else v))
        elif f == 6:
            _expect(w, 0, "sint_value")
            vals.append(unzig(v))
        elif f == 7:
            _expect(w, 0, "bool_value")
            vals.append(bool(v))
        else:
            raise Fatal(f"value has an unknown field {f}")
    if len(vals) != 1:
        raise Fatal(f"a value must hold exactly one typed field, not {len(vals)}")
    return vals[0]


def decode_geometry(cmds, gtype):
    """Parts (lists of (x, y)) and the problems found. Raises Fatal."""
    i, x, y = 0, 0, 0
    parts, closed = [], []
    problems = []
    while i < len(cmds):
        cid, count = cmds[i] & 7, cmds[i] >> 3
        i += 1
        if cid in (1, 2):
            if count == 0:
                raise Fatal("command count 0")
            if i + 2 * count > len(cmds):
                raise Fatal("command count exceeds the parameters")
            if cid == 2 and not parts:
                raise Fatal("LineTo before MoveTo")
            for _ in range(count):
                x += unzig(cmds[i])
                y += unzig(cmds[i + 1])
                i += 2
                if cid == 1:
                    parts.append([(x, y)])
                    closed.append(False)
                else:
                    parts[-1].append((x, y))
        elif cid == 7:
            if count != 1:
                raise Fatal(f"ClosePath count {count}")
            if not parts:
                raise Fatal("ClosePath before MoveTo")
            if gtype != 3:
                raise Fatal("ClosePath in a non-polygon geometry")
            closed[-1] = True
        else:
            raise Fatal(f"unknown command {cid}")
    if gtype == 1:
        if any(len(p) != 1 for p in parts):
            raise Fatal("point geometry with LineTo")
    elif gtype == 2:
        for p in parts:
            if len(p) < 2:
                raise Fatal("linestring with fewer than 2 points")
            if any(a == b for a, b in zip(p, p[1:])):
                problems.append("linestring with a repeated point")
    elif gtype == 3:
        for p, c in zip(parts, closed):
            if not c:
                raise Fatal("polygon ring without ClosePath")
            if len(p) < 3:
                raise Fatal("polygon ring with fewer than 3 points")
    return parts, problems


def area2(ring):
    return sum(ring[k][0] * ring[(k + 1) % len(ring)][1] - ring[(k + 1) % len(ring)][0] * ring[k][1] for k in range(len(ring)))


def decode_tile(buf):
    """Decode fully; returns (layers, recoverable problems). Raises Fatal."""
    problems, layers, names = [], [], set()
    for f, w, v in fields(buf):
        if f != 3:
            continue  # unknown Tile fields are skipped (extensions)
        _expect(w, 2, "layer")
        layers.append(decode_layer(v, problems))
    for l in layers:
        if l["name"] in names:
            problems.append(f"two layers named {l['name']!r}")
        names.add(l["name"])
    return layers, problems


def decode_layer(b, problems):
    name = version = None
    extent = 4096
    keys, values, feats = [], [], []
    for f, w, v in fields(b):
        if f == 1:
            _expect(w, 2, "layer name")
            name = v.decode("utf-8", "replace")
        elif f == 15:
            _expect(w, 0, "layer version")
            version = v
        elif f == 5:
            _expect(w, 0, "layer extent")
            extent = v
        elif f == 3:
            _expect(w, 2, "key")
            keys.append(v.decode("utf-8", "replace"))
        elif f == 4:
            _expect(w, 2, "value")
            values.append(decode_value(v))
        elif f == 2:
            _expect(w, 2, "feature")
            feats.append(v)
    if name is None:
        raise Fatal("layer without a name")
    if version is None:
        raise Fatal("layer without a version")
    if version not in (1, 2):
        raise Fatal(f"layer version {version}")
    if extent == 0:
        raise Fatal("layer extent 0")
    features = []
    for fb in feats:
        fid, gtype, tags, cmds = None, None, [], None
        ngeom = 0
        for f, w, v in fields(fb):
            if f == 1:
                _expect(w, 0, "feature id")
                fid = v
            elif f == 2:
                _expect(w, 2, "tags")
                tags = packed(v)
            elif f == 3:
                _expect(w, 0, "geometry type")
                gtype = v
            elif f == 4:
                _expect(w, 2, "geometry")
                cmds = packed(v)
                ngeom += 1
        if gtype is None:
            problems.append("feature without a geometry type")
            gtype = 0
        elif gtype > 3:
            problems.append(f"geometry type {gtype}")
        if cmds is None:
            problems.append("feature without geometry")
            cmds = []
        if ngeom > 1:
            problems.append("feature with more than one geometry field")
        if len(tags) % 2:
            problems.append("odd number of tags")
            tags = tags[:-1]
        props = {}
        for k, vi in zip(tags[::2], tags[1::2]):
            if k >= len(keys):
                raise Fatal(f"tag key index {k} out of range")
            if vi >= len(values):
                raise Fatal(f"tag value index {vi} out of range")
            props[keys[k]] = values[vi]
        parts, p = decode_geometry(cmds, gtype) if gtype in (1, 2, 3) else ([], [])
        problems.extend(p)
        features.append({"id": fid, "type": gtype, "properties": props, "parts": parts})
    return {"name": name, "version": version, "extent": extent, "features": features}


def strict_problems(layers, buffer=64):
    """What gapmap's own tiles must also satisfy."""
    out = []
    for l in layers:
        if l["version"] != 2 or l["extent"] != 4096:
            out.append(f"{l['name']}: version {l['version']} extent {l['extent']}")
        if not l["features"]:
            out.append(f"{l['name']}: empty layer")
        for f in l["features"]:
            tag = f"{l['name']}/{f['properties'].get('id')}"
            if not isinstance(f["properties"].get("id"), str) or f["id"] is None:
                out.append(f"{tag}: no string id property or no numeric id")
            if f["type"] not in (1, 3):
                out.append(f"{tag}: geometry type {f['type']}")
            for part in f["parts"]:
                for x, y in part:
                    if not (-buffer <= x <= 4096 + buffer and -buffer <= y <= 4096 + buffer):
                        out.append(f"{tag}: ({x}, {y}) outside the tile buffer")
                        break
            if f["type"] == 3:
                if not f["parts"] or area2(f["parts"][0]) <= 0:
                    out.append(f"{tag}: polygon does not start with an exterior (clockwise) ring")
                for ring in f["parts"]:
                    if any(ring[k] == ring[(k + 1) % len(ring)] for k in range(len(ring))):
                        out.append(f"{tag}: repeated point in a ring")
                    if area2(ring) == 0:
                        out.append(f"{tag}: ring with zero area")
    return out


def validate(buf, strict=False):
    try:
        layers, problems = decode_tile(buf)
    except Fatal as e:
        return FATAL, [str(e)]
    if strict:
        problems = problems + strict_problems(layers)
    if problems:
        return RECOVERABLE, problems
    return "valid", []
