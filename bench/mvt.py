"""Reading MVT tiles and PMTiles archives, for the bench scripts
(bench/tiles/split_pmtiles.py, bench/tiles/check_tiles.py,
bench/tippecanoe/archive_stats.py).

An MVT tile is a protobuf message, read here by hand: `fields` yields its
(field, wire type, value) triples (a layer is the tile's field 3; a layer's
name is its field 1, a feature its field 2). `archive` opens a PMTiles
archive with the `pmtiles` package, imported only there, so that the
protobuf part needs nothing beyond the standard library.
"""
import contextlib


def varint(buf, i):
    """The varint at buf[i:] and the index after it."""
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def fields(buf):
    """Yield (field, wire, value) -- value is bytes for wire 2, int otherwise."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(buf, i)
        elif w == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif w == 1:
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif w == 5:
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError(f"wire type {w}")
        yield f, w, v


@contextlib.contextmanager
def archive(path):
    """(reader, tiles) of the PMTiles archive at path: a pmtiles Reader (for
    header() and metadata()) and an iterator of ((z, x, y), tile bytes as
    stored), valid inside the with block."""
    from pmtiles.reader import MmapSource, Reader, all_tiles

    with open(path, "rb") as f:
        get = MmapSource(f)
        yield Reader(get), all_tiles(get)
